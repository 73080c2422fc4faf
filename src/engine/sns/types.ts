/**
 * The SNS-shaped API of the engine, with the shapes of the AWS SDK v3
 * `XxxCommandInput` / `XxxCommandOutput` (without `$metadata`).
 */

export interface SnsMessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface CreateTopicInput {
  Name: string;
  Attributes?: Record<string, string>;
  Tags?: Tag[];
}
export interface TopicArnInput {
  TopicArn: string;
}
export interface ListTopicsInput {
  NextToken?: string;
}
export interface ListTopicsOutput {
  Topics: Array<{ TopicArn: string }>;
  NextToken?: string;
}
export interface GetTopicAttributesOutput {
  Attributes: Record<string, string>;
}
export interface SetTopicAttributesInput {
  TopicArn: string;
  AttributeName: string;
  AttributeValue?: string;
}
export interface SubscribeInput {
  TopicArn: string;
  Protocol: string;
  Endpoint?: string;
  Attributes?: Record<string, string>;
  ReturnSubscriptionArn?: boolean;
}
export interface SubscriptionArnInput {
  SubscriptionArn: string;
}
export interface Subscription {
  SubscriptionArn: string;
  Owner: string;
  Protocol: string;
  Endpoint: string;
  TopicArn: string;
}
export interface ListSubscriptionsInput {
  NextToken?: string;
}
export interface ListSubscriptionsByTopicInput {
  TopicArn: string;
  NextToken?: string;
}
export interface ListSubscriptionsOutput {
  Subscriptions: Subscription[];
  NextToken?: string;
}
export interface SetSubscriptionAttributesInput {
  SubscriptionArn: string;
  AttributeName: string;
  AttributeValue?: string;
}
export interface PublishInput {
  TopicArn?: string;
  TargetArn?: string;
  Message: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, SnsMessageAttributeValue>;
  /** On a standard topic, passed on to subscribed SQS queues (their fair-queue tenant). */
  MessageGroupId?: string;
}
export interface PublishOutput {
  MessageId: string;
}
export interface PublishBatchRequestEntry {
  Id: string;
  Message: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, SnsMessageAttributeValue>;
  MessageGroupId?: string;
}
export interface PublishBatchInput {
  TopicArn: string;
  PublishBatchRequestEntries: PublishBatchRequestEntry[];
}
export interface PublishBatchOutput {
  Successful: Array<{ Id: string; MessageId: string }>;
  Failed: Array<{ Id: string; Code: string; Message?: string; SenderFault: boolean }>;
}

/** Every SNS action the engine serves, named as the AWS SDK names its commands. */
export interface SnsApi {
  createTopic(input: CreateTopicInput): Promise<{ TopicArn: string }>;
  deleteTopic(input: TopicArnInput): Promise<Record<string, never>>;
  listTopics(input?: ListTopicsInput): Promise<ListTopicsOutput>;
  getTopicAttributes(input: TopicArnInput): Promise<GetTopicAttributesOutput>;
  setTopicAttributes(input: SetTopicAttributesInput): Promise<Record<string, never>>;
  subscribe(input: SubscribeInput): Promise<{ SubscriptionArn: string }>;
  unsubscribe(input: SubscriptionArnInput): Promise<Record<string, never>>;
  listSubscriptions(input?: ListSubscriptionsInput): Promise<ListSubscriptionsOutput>;
  listSubscriptionsByTopic(input: ListSubscriptionsByTopicInput): Promise<ListSubscriptionsOutput>;
  getSubscriptionAttributes(
    input: SubscriptionArnInput,
  ): Promise<{ Attributes: Record<string, string> }>;
  setSubscriptionAttributes(input: SetSubscriptionAttributesInput): Promise<Record<string, never>>;
  publish(input: PublishInput): Promise<PublishOutput>;
  publishBatch(input: PublishBatchInput): Promise<PublishBatchOutput>;
}
