import { type AwsApiError, snsInvalidParameter } from "../../engine/errors.js";
import type { SnsApi } from "../../engine/sns/types.js";
import type { FormParams } from "./form.js";
import { encodeFields, queryErrorResponse, queryResponse, type XmlLayout } from "./xml.js";

/**
 * SNS's query protocol (the only one SNS has; the AWS SDK v3 speaks it):
 * form posts `Action=Publish&Version=2010-03-31&…`, with lists as
 * `Name.member.N` and maps as `Name.entry.N.key` / `.value`, answered in XML.
 */

const NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

/** Every SNS action served on the wire, by its AWS name, with the SnsApi method that serves it. */
export const SNS_ACTIONS = {
  CreateTopic: "createTopic",
  DeleteTopic: "deleteTopic",
  ListTopics: "listTopics",
  GetTopicAttributes: "getTopicAttributes",
  SetTopicAttributes: "setTopicAttributes",
  Subscribe: "subscribe",
  Unsubscribe: "unsubscribe",
  ListSubscriptions: "listSubscriptions",
  ListSubscriptionsByTopic: "listSubscriptionsByTopic",
  GetSubscriptionAttributes: "getSubscriptionAttributes",
  SetSubscriptionAttributes: "setSubscriptionAttributes",
  Publish: "publish",
  PublishBatch: "publishBatch",
} as const satisfies Record<string, keyof SnsApi>;

export type SnsAction = keyof typeof SNS_ACTIONS;

export function isSnsAction(action: string): action is SnsAction {
  return Object.hasOwn(SNS_ACTIONS, action);
}

/** The `Version` parameter SNS's query requests carry. */
export const SNS_VERSION = "2010-03-31";

const messageFields = (p: FormParams) => ({
  Message: p.get("Message"),
  Subject: p.get("Subject"),
  MessageStructure: p.get("MessageStructure"),
  MessageAttributes: p.attributes("MessageAttributes.entry", "Name"),
  MessageGroupId: p.get("MessageGroupId"),
});

const attributeMap = (p: FormParams) => p.map("Attributes.entry", "key", "value");

/** The SnsApi input of each action, from its form parameters. */
const DECODERS: Record<SnsAction, (p: FormParams) => object> = {
  CreateTopic: (p) => ({
    Name: p.get("Name"),
    Attributes: attributeMap(p),
    Tags: tagList(p),
  }),
  DeleteTopic: (p) => ({ TopicArn: p.get("TopicArn") }),
  ListTopics: (p) => ({ NextToken: p.get("NextToken") }),
  GetTopicAttributes: (p) => ({ TopicArn: p.get("TopicArn") }),
  SetTopicAttributes: (p) => ({
    TopicArn: p.get("TopicArn"),
    AttributeName: p.get("AttributeName"),
    AttributeValue: p.get("AttributeValue"),
  }),
  Subscribe: (p) => ({
    TopicArn: p.get("TopicArn"),
    Protocol: p.get("Protocol"),
    Endpoint: p.get("Endpoint"),
    Attributes: attributeMap(p),
    ReturnSubscriptionArn: p.bool("ReturnSubscriptionArn"),
  }),
  Unsubscribe: (p) => ({ SubscriptionArn: p.get("SubscriptionArn") }),
  ListSubscriptions: (p) => ({ NextToken: p.get("NextToken") }),
  ListSubscriptionsByTopic: (p) => ({ TopicArn: p.get("TopicArn"), NextToken: p.get("NextToken") }),
  GetSubscriptionAttributes: (p) => ({ SubscriptionArn: p.get("SubscriptionArn") }),
  SetSubscriptionAttributes: (p) => ({
    SubscriptionArn: p.get("SubscriptionArn"),
    AttributeName: p.get("AttributeName"),
    AttributeValue: p.get("AttributeValue"),
  }),
  Publish: (p) => ({
    TopicArn: p.get("TopicArn"),
    TargetArn: p.get("TargetArn"),
    ...messageFields(p),
  }),
  PublishBatch: (p) => ({
    TopicArn: p.get("TopicArn"),
    PublishBatchRequestEntries: p
      .entries("PublishBatchRequestEntries.member")
      .map((e) => compact({ Id: e.get("Id"), ...messageFields(e) })),
  }),
};

function tagList(p: FormParams): Array<{ Key: string | undefined; Value: string }> | undefined {
  const entries = p.entries("Tags.member");
  if (entries.length === 0) return undefined;
  return entries.map((e) => ({ Key: e.get("Key"), Value: e.get("Value") ?? "" }));
}

const NO_RESULT = new Set<SnsAction>([
  "DeleteTopic",
  "SetTopicAttributes",
  "Unsubscribe",
  "SetSubscriptionAttributes",
]);

/** SNS wraps lists in `member` and maps in `entry` / `key` / `value`. */
const LAYOUT: XmlLayout = {
  flattened: false,
  names: {},
  maps: { Attributes: { key: "key", value: "value" } },
};

function compact(input: object): object {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** Serves one SNS query-protocol action; the answer is XML. */
export async function serveSnsQuery(
  sns: SnsApi,
  action: SnsAction,
  params: FormParams,
  requestId: string,
): Promise<{ status: number; xml: string }> {
  const input = compact(DECODERS[action](params));
  const method = sns[SNS_ACTIONS[action]] as (input: object) => Promise<object>;
  const output = await method.call(sns, input);
  const result = NO_RESULT.has(action) ? undefined : encodeFields(output, LAYOUT);
  return { status: 200, xml: queryResponse(action, NAMESPACE, result, requestId) };
}

/** SNS's XML error (`<ErrorResponse><Error><Type/><Code>NotFound</Code>…`). */
export function snsQueryError(error: AwsApiError, requestId: string): string {
  return queryErrorResponse(NAMESPACE, error, requestId, false);
}

/** The parameter errors of SNS's query protocol. */
export const snsInvalid = snsInvalidParameter;
