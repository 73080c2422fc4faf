import { type AwsApiError, invalidParameterValue } from "../../engine/errors.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import type { FormParams } from "./form.js";
import { callSqs, type SqsAction } from "./sqs-actions.js";
import { encodeFields, queryErrorResponse, queryResponse, type XmlLayout } from "./xml.js";

/**
 * SQS's query protocol (what older SDKs and the AWS CLI v1 speak): form
 * posts `Action=SendMessage&QueueUrl=…` to `/` or to the queue's path,
 * with lists and maps flattened (`Attribute.1.Name`), answered in XML.
 */

const NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/";

type Decoder = (p: FormParams, queueUrl: string | undefined) => object;

const url = (p: FormParams, queueUrl: string | undefined) => p.get("QueueUrl") ?? queueUrl;

const messageFields = (p: FormParams) => ({
  MessageBody: p.get("MessageBody"),
  DelaySeconds: p.int("DelaySeconds"),
  MessageGroupId: p.get("MessageGroupId"),
  MessageDeduplicationId: p.get("MessageDeduplicationId"),
  MessageAttributes: p.attributes("MessageAttribute", "Name"),
  MessageSystemAttributes: p.attributes("MessageSystemAttribute", "Name"),
});

/** The SqsApi input of each action, from its form parameters (names from the SQS API reference). */
const DECODERS: Record<SqsAction, Decoder> = {
  CreateQueue: (p) => ({
    QueueName: p.get("QueueName"),
    Attributes: p.map("Attribute", "Name", "Value"),
    tags: p.map("Tag", "Key", "Value"),
  }),
  GetQueueUrl: (p) => ({
    QueueName: p.get("QueueName"),
    QueueOwnerAWSAccountId: p.get("QueueOwnerAWSAccountId"),
  }),
  ListQueues: (p) => ({
    QueueNamePrefix: p.get("QueueNamePrefix"),
    MaxResults: p.int("MaxResults"),
    NextToken: p.get("NextToken"),
  }),
  DeleteQueue: (p, q) => ({ QueueUrl: url(p, q) }),
  GetQueueAttributes: (p, q) => ({ QueueUrl: url(p, q), AttributeNames: p.list("AttributeName") }),
  SetQueueAttributes: (p, q) => ({
    QueueUrl: url(p, q),
    Attributes: p.map("Attribute", "Name", "Value") ?? {},
  }),
  SendMessage: (p, q) => ({ QueueUrl: url(p, q), ...messageFields(p) }),
  SendMessageBatch: (p, q) => ({
    QueueUrl: url(p, q),
    Entries: p
      .entries("SendMessageBatchRequestEntry")
      .map((e) => ({ Id: e.get("Id"), ...messageFields(e) })),
  }),
  ReceiveMessage: (p, q) => ({
    QueueUrl: url(p, q),
    MaxNumberOfMessages: p.int("MaxNumberOfMessages"),
    WaitTimeSeconds: p.int("WaitTimeSeconds"),
    VisibilityTimeout: p.int("VisibilityTimeout"),
    // The model serializes both AttributeNames and MessageSystemAttributeNames as AttributeName.N.
    AttributeNames: p.list("AttributeName"),
    MessageSystemAttributeNames: p.list("MessageSystemAttributeName"),
    MessageAttributeNames: p.list("MessageAttributeName"),
    ReceiveRequestAttemptId: p.get("ReceiveRequestAttemptId"),
  }),
  DeleteMessage: (p, q) => ({ QueueUrl: url(p, q), ReceiptHandle: p.get("ReceiptHandle") }),
  DeleteMessageBatch: (p, q) => ({
    QueueUrl: url(p, q),
    Entries: p
      .entries("DeleteMessageBatchRequestEntry")
      .map((e) => ({ Id: e.get("Id"), ReceiptHandle: e.get("ReceiptHandle") })),
  }),
  ChangeMessageVisibility: (p, q) => ({
    QueueUrl: url(p, q),
    ReceiptHandle: p.get("ReceiptHandle"),
    VisibilityTimeout: p.int("VisibilityTimeout"),
  }),
  ChangeMessageVisibilityBatch: (p, q) => ({
    QueueUrl: url(p, q),
    Entries: p.entries("ChangeMessageVisibilityBatchRequestEntry").map((e) => ({
      Id: e.get("Id"),
      ReceiptHandle: e.get("ReceiptHandle"),
      VisibilityTimeout: e.int("VisibilityTimeout"),
    })),
  }),
  PurgeQueue: (p, q) => ({ QueueUrl: url(p, q) }),
  ListDeadLetterSourceQueues: (p, q) => ({
    QueueUrl: url(p, q),
    MaxResults: p.int("MaxResults"),
    NextToken: p.get("NextToken"),
  }),
  StartMessageMoveTask: (p) => ({
    SourceArn: p.get("SourceArn"),
    DestinationArn: p.get("DestinationArn"),
    MaxNumberOfMessagesPerSecond: p.int("MaxNumberOfMessagesPerSecond"),
  }),
  CancelMessageMoveTask: (p) => ({ TaskHandle: p.get("TaskHandle") }),
  ListMessageMoveTasks: (p) => ({ SourceArn: p.get("SourceArn"), MaxResults: p.int("MaxResults") }),
  TagQueue: (p, q) => ({ QueueUrl: url(p, q), Tags: p.map("Tag", "Key", "Value") ?? {} }),
  UntagQueue: (p, q) => ({ QueueUrl: url(p, q), TagKeys: p.list("TagKey") }),
  ListQueueTags: (p, q) => ({ QueueUrl: url(p, q) }),
};

/** Actions whose response has no Result element. */
const NO_RESULT = new Set<SqsAction>([
  "DeleteQueue",
  "SetQueueAttributes",
  "DeleteMessage",
  "ChangeMessageVisibility",
  "PurgeQueue",
  "TagQueue",
  "UntagQueue",
]);

/** SQS flattens every list and map; item element names from the SQS model's xmlName traits. */
function layoutOf(action: SqsAction): XmlLayout {
  return {
    flattened: true,
    names: {
      QueueUrls: "QueueUrl",
      queueUrls: "QueueUrl",
      Messages: "Message",
      Attributes: "Attribute",
      MessageAttributes: "MessageAttribute",
      Tags: "Tag",
      Results: "ListMessageMoveTasksResultEntry",
      Failed: "BatchResultErrorEntry",
      Successful: `${action}ResultEntry`,
    },
    maps: {
      Attributes: { key: "Name", value: "Value" },
      MessageAttributes: { key: "Name", value: "Value" },
      Tags: { key: "Key", value: "Value" },
    },
  };
}

/** Drops undefined fields, so the engine sees an absent parameter as absent. */
function compact(input: object): object {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** Serves one SQS query-protocol action; the answer is XML, the status 200 or the error's. */
export async function serveSqsQuery(
  sqs: SqsApi,
  action: SqsAction,
  params: FormParams,
  queueUrl: string | undefined,
  request: { readonly signal: AbortSignal },
  requestId: string,
): Promise<{ status: number; xml: string }> {
  const input = compact(DECODERS[action](params, queueUrl));
  const output = await callSqs(sqs, action, input, request);
  const result = NO_RESULT.has(action) ? undefined : encodeFields(output, layoutOf(action));
  return { status: 200, xml: queryResponse(action, NAMESPACE, result, requestId) };
}

/** SQS's XML error, with the query code (`AWS.SimpleQueueService.NonExistentQueue`). */
export function sqsQueryError(error: AwsApiError, requestId: string): string {
  return queryErrorResponse(NAMESPACE, error, requestId, true);
}

/** The parameter errors of SQS's query protocol. */
export const sqsInvalid = invalidParameterValue;
