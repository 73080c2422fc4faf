/**
 * The SQS-shaped API of the engine. Inputs and outputs have the shapes of the
 * AWS SDK v3 `XxxCommandInput` / `XxxCommandOutput` (without `$metadata`), so
 * the wire endpoint and an SDK-backed adapter map onto it one to one.
 */

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export interface MessageSystemAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export interface CreateQueueInput {
  QueueName: string;
  Attributes?: Record<string, string>;
  tags?: Record<string, string>;
}
export interface CreateQueueOutput {
  QueueUrl: string;
}
export interface GetQueueUrlInput {
  QueueName: string;
  QueueOwnerAWSAccountId?: string;
}
export interface GetQueueUrlOutput {
  QueueUrl: string;
}
export interface ListQueuesInput {
  QueueNamePrefix?: string;
  MaxResults?: number;
  NextToken?: string;
}
export interface ListQueuesOutput {
  QueueUrls?: string[];
  NextToken?: string;
}
export interface QueueUrlInput {
  QueueUrl: string;
}
export interface GetQueueAttributesInput {
  QueueUrl: string;
  AttributeNames?: string[];
}
export interface GetQueueAttributesOutput {
  Attributes?: Record<string, string>;
}
export interface SetQueueAttributesInput {
  QueueUrl: string;
  Attributes: Record<string, string>;
}

export interface SendMessageInput {
  QueueUrl: string;
  MessageBody: string;
  DelaySeconds?: number;
  /** On a standard queue, the message's tenant in a fair queue (kept and returned as a system attribute). */
  MessageGroupId?: string;
  /** FIFO queues only: every queue here is standard, so a value is refused, as SQS refuses it. */
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageSystemAttributes?: Record<string, MessageSystemAttributeValue>;
}
export interface SendMessageOutput {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
}
export interface SendMessageBatchRequestEntry {
  Id: string;
  MessageBody: string;
  DelaySeconds?: number;
  MessageGroupId?: string;
  /** FIFO queues only: refused here, as on SendMessage. */
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageSystemAttributes?: Record<string, MessageSystemAttributeValue>;
}
export interface SendMessageBatchInput {
  QueueUrl: string;
  Entries: SendMessageBatchRequestEntry[];
}
export interface BatchResultErrorEntry {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message?: string;
}
export interface SendMessageBatchResultEntry extends SendMessageOutput {
  Id: string;
}
export interface SendMessageBatchOutput {
  Successful: SendMessageBatchResultEntry[];
  Failed: BatchResultErrorEntry[];
}

export interface ReceiveMessageInput {
  QueueUrl: string;
  MaxNumberOfMessages?: number;
  WaitTimeSeconds?: number;
  VisibilityTimeout?: number;
  /** @deprecated by AWS in favour of MessageSystemAttributeNames; both are honoured. */
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  MessageAttributeNames?: string[];
  ReceiveRequestAttemptId?: string;
}
export interface Message {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}
/**
 * A received message with every system attribute and every message attribute, as the engine
 * hands it to a consumer in the same process (`Engine.receiveMessages`).
 */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /**
   * SenderId, SentTimestamp, ApproximateReceiveCount, ApproximateFirstReceiveTimestamp; and
   * AWSTraceHeader, DeadLetterQueueSourceArn and MessageGroupId where the message has them.
   */
  attributes: Record<string, string>;
  /** Shared, frozen, between messages that carry the same attributes. */
  messageAttributes: Readonly<Record<string, Readonly<ReceivedAttributeValue>>>;
}

/** A message attribute of a ReceivedMessage. */
export interface ReceivedAttributeValue {
  dataType: string;
  stringValue?: string;
  binaryValue?: Uint8Array;
}

export interface ReceiveMessageOutput {
  Messages?: Message[];
}
/** Engine-only options of a receive (not part of the SQS request). */
export interface ReceiveOptions {
  /** Ends a long poll early with whatever has arrived (nothing). */
  signal?: AbortSignal;
}

export interface DeleteMessageInput {
  QueueUrl: string;
  ReceiptHandle: string;
}
export interface DeleteMessageBatchInput {
  QueueUrl: string;
  Entries: Array<{ Id: string; ReceiptHandle: string }>;
}
export interface BatchIdOutput {
  Successful: Array<{ Id: string }>;
  Failed: BatchResultErrorEntry[];
}
export interface ChangeMessageVisibilityInput {
  QueueUrl: string;
  ReceiptHandle: string;
  VisibilityTimeout: number;
}
export interface ChangeMessageVisibilityBatchInput {
  QueueUrl: string;
  Entries: Array<{ Id: string; ReceiptHandle: string; VisibilityTimeout?: number }>;
}

export interface ListDeadLetterSourceQueuesInput {
  QueueUrl: string;
  MaxResults?: number;
  NextToken?: string;
}
export interface ListDeadLetterSourceQueuesOutput {
  queueUrls: string[];
  NextToken?: string;
}

export interface StartMessageMoveTaskInput {
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
}
export interface StartMessageMoveTaskOutput {
  TaskHandle: string;
}
export interface CancelMessageMoveTaskInput {
  TaskHandle: string;
}
export interface CancelMessageMoveTaskOutput {
  ApproximateNumberOfMessagesMoved: number;
}
export interface ListMessageMoveTasksInput {
  SourceArn: string;
  MaxResults?: number;
}
export type MessageMoveTaskStatus = "RUNNING" | "COMPLETED" | "CANCELLING" | "CANCELLED" | "FAILED";
export interface ListMessageMoveTasksResultEntry {
  TaskHandle?: string;
  Status: MessageMoveTaskStatus;
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove?: number;
  FailureReason?: string;
  StartedTimestamp: number;
}
export interface ListMessageMoveTasksOutput {
  Results: ListMessageMoveTasksResultEntry[];
}

export interface TagQueueInput {
  QueueUrl: string;
  Tags: Record<string, string>;
}
export interface UntagQueueInput {
  QueueUrl: string;
  TagKeys: string[];
}
export interface ListQueueTagsOutput {
  Tags?: Record<string, string>;
}

/** Every SQS action the engine serves, named as the AWS SDK names its commands (lower camel case). */
export interface SqsApi {
  createQueue(input: CreateQueueInput): Promise<CreateQueueOutput>;
  getQueueUrl(input: GetQueueUrlInput): Promise<GetQueueUrlOutput>;
  listQueues(input?: ListQueuesInput): Promise<ListQueuesOutput>;
  deleteQueue(input: QueueUrlInput): Promise<Record<string, never>>;
  getQueueAttributes(input: GetQueueAttributesInput): Promise<GetQueueAttributesOutput>;
  setQueueAttributes(input: SetQueueAttributesInput): Promise<Record<string, never>>;
  sendMessage(input: SendMessageInput): Promise<SendMessageOutput>;
  sendMessageBatch(input: SendMessageBatchInput): Promise<SendMessageBatchOutput>;
  receiveMessage(
    input: ReceiveMessageInput,
    options?: ReceiveOptions,
  ): Promise<ReceiveMessageOutput>;
  deleteMessage(input: DeleteMessageInput): Promise<Record<string, never>>;
  deleteMessageBatch(input: DeleteMessageBatchInput): Promise<BatchIdOutput>;
  changeMessageVisibility(input: ChangeMessageVisibilityInput): Promise<Record<string, never>>;
  changeMessageVisibilityBatch(input: ChangeMessageVisibilityBatchInput): Promise<BatchIdOutput>;
  purgeQueue(input: QueueUrlInput): Promise<Record<string, never>>;
  listDeadLetterSourceQueues(
    input: ListDeadLetterSourceQueuesInput,
  ): Promise<ListDeadLetterSourceQueuesOutput>;
  startMessageMoveTask(input: StartMessageMoveTaskInput): Promise<StartMessageMoveTaskOutput>;
  cancelMessageMoveTask(input: CancelMessageMoveTaskInput): Promise<CancelMessageMoveTaskOutput>;
  listMessageMoveTasks(input: ListMessageMoveTasksInput): Promise<ListMessageMoveTasksOutput>;
  tagQueue(input: TagQueueInput): Promise<Record<string, never>>;
  untagQueue(input: UntagQueueInput): Promise<Record<string, never>>;
  listQueueTags(input: QueueUrlInput): Promise<ListQueueTagsOutput>;
}
