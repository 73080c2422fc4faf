import { readFileSync } from "node:fs";
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  type SchedulerClient,
} from "@aws-sdk/client-scheduler";
import {
  CreateTopicCommand,
  SetTopicAttributesCommand,
  type SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** A CloudFormation template, as far as this module reads it. */
interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface ApplyTemplateOptions {
  sqs: SQSClient;
  sns: SNSClient;
  /**
   * With it, the template's schedule groups and schedules are created too, and each IAM role
   * gets the ARN CloudFormation would give it (`<stackName>-<logicalId>`, without the random
   * suffix) so that schedules can name it; the roles themselves are not created.
   * @defaultValue none: schedule groups, schedules and roles are left out
   */
  scheduler?: SchedulerClient;
  /** Names resources that the template leaves to CloudFormation: `<stackName>-<logicalId>`. @defaultValue "offload-test" */
  stackName?: string;
}

/** What `Ref` and `Fn::GetAtt` give for one created resource. */
interface Created {
  ref: string;
  attributes: Record<string, string>;
}

/** Queue properties and the SQS attribute each becomes. */
const QUEUE_ATTRIBUTES: Record<string, string> = {
  VisibilityTimeout: "VisibilityTimeout",
  MessageRetentionPeriod: "MessageRetentionPeriod",
  DelaySeconds: "DelaySeconds",
  MaximumMessageSize: "MaximumMessageSize",
  ReceiveMessageWaitTimeSeconds: "ReceiveMessageWaitTimeSeconds",
  RedrivePolicy: "RedrivePolicy",
  SqsManagedSseEnabled: "SqsManagedSseEnabled",
  KmsMasterKeyId: "KmsMasterKeyId",
};
/** Subscription properties that are subscription attributes. */
const SUBSCRIPTION_ATTRIBUTES = [
  "RawMessageDelivery",
  "FilterPolicy",
  "FilterPolicyScope",
  "RedrivePolicy",
];

/**
 * Creates the SNS topics, SQS queues (DLQs first), subscriptions and queue
 * and topic policies of a synthesized template through the SDK, with exactly
 * the template's properties, resolving `Ref`, `Fn::GetAtt` and `Fn::Join`
 * between them; with `scheduler`, its EventBridge Scheduler groups and
 * schedules too. Every other resource type (Lambda, IAM, API Gateway, ...) is
 * left out: moto stands in for SQS, SNS and Scheduler only. A property this module does
 * not know is an error, so a template change cannot be skipped silently.
 *
 * @returns the stack's outputs that resolve to created resources, keyed as
 *   the template's outputs are (`TopicArn`, `JobAQueueUrl`, ...).
 */
export async function applyTemplateToMoto(
  templateFile: string,
  options: ApplyTemplateOptions,
): Promise<Record<string, string>> {
  const template = JSON.parse(readFileSync(templateFile, "utf8")) as Template;
  const stackName = options.stackName ?? "offload-test";
  const region = await options.sqs.config.region();
  const created = new Map<string, Created>();
  const pseudo: Record<string, string> = {
    "AWS::Region": region,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": stackName,
  };
  const resolve = (value: unknown) => resolveValue(value, created, pseudo);
  const ofType = (type: string) =>
    Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const physicalName = (id: string, given: unknown) =>
    typeof given === "string" ? given : `${stackName}-${id}`.slice(0, 80);

  for (const [id, r] of ofType("AWS::SNS::Topic")) {
    const { TopicName, ...rest } = r.Properties ?? {};
    refuseUnknown(id, rest, []);
    const name = physicalName(id, TopicName);
    const { TopicArn } = await options.sns.send(new CreateTopicCommand({ Name: name }));
    created.set(id, { ref: TopicArn!, attributes: { TopicName: name, TopicArn: TopicArn! } });
    pseudo["AWS::AccountId"] = TopicArn!.split(":")[4]!;
  }

  // Queues whose redrive policy names a queue not created yet wait for it.
  let pending = ofType("AWS::SQS::Queue");
  while (pending.length > 0) {
    const ready = pending.filter(([, r]) => isResolvable(r.Properties, created, pseudo));
    if (ready.length === 0)
      throw new Error(`Cannot resolve the queues ${pending.map(([id]) => id)}`);
    for (const [id, r] of ready) await createQueue(id, r.Properties ?? {});
    pending = pending.filter((p) => !ready.includes(p));
  }

  for (const [id, r] of ofType("AWS::SNS::Subscription")) {
    const { TopicArn, Protocol, Endpoint, ...rest } = resolve(r.Properties) as Record<
      string,
      unknown
    >;
    refuseUnknown(id, rest, SUBSCRIPTION_ATTRIBUTES);
    const { SubscriptionArn } = await options.sns.send(
      new SubscribeCommand({
        TopicArn: TopicArn as string,
        Protocol: Protocol as string,
        Endpoint: Endpoint as string,
        Attributes: attributeStrings(rest),
        ReturnSubscriptionArn: true,
      }),
    );
    created.set(id, { ref: SubscriptionArn!, attributes: {} });
  }

  for (const [id, r] of ofType("AWS::SQS::QueuePolicy")) {
    const { Queues, PolicyDocument, ...rest } = resolve(r.Properties) as Record<string, unknown>;
    refuseUnknown(id, rest, []);
    for (const QueueUrl of Queues as string[]) {
      await options.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl,
          Attributes: { Policy: JSON.stringify(PolicyDocument) },
        }),
      );
    }
  }
  for (const [id, r] of ofType("AWS::SNS::TopicPolicy")) {
    const { Topics, PolicyDocument, ...rest } = resolve(r.Properties) as Record<string, unknown>;
    refuseUnknown(id, rest, []);
    for (const TopicArn of Topics as string[]) {
      await options.sns.send(
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: "Policy",
          AttributeValue: JSON.stringify(PolicyDocument),
        }),
      );
    }
  }

  if (options.scheduler !== undefined) await applyScheduler(options.scheduler);

  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (isResolvable(output.Value, created, pseudo)) outputs[key] = String(resolve(output.Value));
  }
  return outputs;

  async function applyScheduler(scheduler: SchedulerClient): Promise<void> {
    for (const [id] of ofType("AWS::IAM::Role")) {
      const name = `${stackName}-${id}`.slice(0, 64);
      const arn = `arn:aws:iam::${pseudo["AWS::AccountId"]}:role/${name}`;
      created.set(id, { ref: name, attributes: { Arn: arn } });
    }
    for (const [id, r] of ofType("AWS::Scheduler::ScheduleGroup")) {
      const { Name, ...rest } = resolve(r.Properties ?? {}) as Record<string, unknown>;
      refuseUnknown(id, rest, []);
      const name = physicalName(id, Name);
      const { ScheduleGroupArn } = await scheduler.send(
        new CreateScheduleGroupCommand({ Name: name }),
      );
      created.set(id, { ref: name, attributes: { Arn: ScheduleGroupArn! } });
    }
    for (const [id, r] of ofType("AWS::Scheduler::Schedule")) {
      const { Name, StartDate, EndDate, ...rest } = resolve(r.Properties ?? {}) as Record<
        string,
        unknown
      >;
      refuseUnknown(id, rest, SCHEDULE_PROPERTIES);
      const name = physicalName(id, Name);
      const { ScheduleArn } = await scheduler.send(
        new CreateScheduleCommand({
          ...(rest as Omit<CreateScheduleCommandInput, "Name">),
          Name: name,
          ...(StartDate === undefined ? {} : { StartDate: new Date(StartDate as string) }),
          ...(EndDate === undefined ? {} : { EndDate: new Date(EndDate as string) }),
        }),
      );
      created.set(id, { ref: name, attributes: { Arn: ScheduleArn! } });
    }
  }

  async function createQueue(id: string, properties: Record<string, unknown>): Promise<void> {
    const { QueueName, ...rest } = resolve(properties) as Record<string, unknown>;
    refuseUnknown(id, rest, Object.keys(QUEUE_ATTRIBUTES));
    const name = physicalName(id, QueueName);
    const attributes: Record<string, string> = {};
    for (const [property, value] of Object.entries(attributeStrings(rest))) {
      attributes[QUEUE_ATTRIBUTES[property]!] = value;
    }
    const { QueueUrl } = await options.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    const { Attributes } = await options.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    created.set(id, {
      ref: QueueUrl!,
      attributes: { Arn: Attributes!.QueueArn!, QueueName: name, QueueUrl: QueueUrl! },
    });
  }
}

/**
 * AWS::Scheduler::Schedule properties besides Name and the dates: CloudFormation's names are
 * CreateSchedule's, nested ones included (Target, FlexibleTimeWindow).
 */
const SCHEDULE_PROPERTIES = [
  "GroupName",
  "Description",
  "ScheduleExpression",
  "ScheduleExpressionTimezone",
  "FlexibleTimeWindow",
  "State",
  "Target",
  "KmsKeyArn",
];

/** CloudFormation gives numbers, booleans and JSON objects; the APIs take strings. */
function attributeStrings(properties: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [
      k,
      typeof v === "object" ? JSON.stringify(v) : String(v),
    ]),
  );
}

function refuseUnknown(id: string, rest: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(rest).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${id}: properties ${unknown} are not applied to moto`);
}

function isResolvable(
  value: unknown,
  created: Map<string, Created>,
  pseudo: Record<string, string>,
): boolean {
  try {
    resolveValue(value, created, pseudo);
    return true;
  } catch (e) {
    if (e instanceof UnresolvedError) return false;
    throw e;
  }
}

class UnresolvedError extends Error {}

function resolveValue(
  value: unknown,
  created: Map<string, Created>,
  pseudo: Record<string, string>,
): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, created, pseudo));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key === "Ref") {
    const name = arg as string;
    const found = pseudo[name] ?? created.get(name)?.ref;
    if (found === undefined) throw new UnresolvedError(`Ref ${name}`);
    return found;
  }
  if (entries.length === 1 && key === "Fn::GetAtt") {
    const [id, attribute] = arg as [string, string];
    const found = created.get(id)?.attributes[attribute];
    if (found === undefined) throw new UnresolvedError(`Fn::GetAtt ${id}.${attribute}`);
    return found;
  }
  if (entries.length === 1 && key === "Fn::Join") {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((p) => resolveValue(p, created, pseudo)).join(separator);
  }
  if (entries.length === 1 && key?.startsWith("Fn::")) {
    throw new Error(`${key} is not resolved by applyTemplateToMoto`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, created, pseudo)]));
}
