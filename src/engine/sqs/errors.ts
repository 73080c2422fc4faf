import { AwsApiError, invalidParameterValue } from "../errors.js";

/** The most characters of a client's own input an error message repeats. */
export const MAX_ECHOED_CHARS = 200;

/**
 * A client's input as an error message repeats it: whole when short, else its start and how
 * long it was, so a 1 MB receipt handle does not come back as a 1 MB error.
 */
export function echo(value: unknown): string {
  const text = String(value);
  if (text.length <= MAX_ECHOED_CHARS) return text;
  return `${text.slice(0, MAX_ECHOED_CHARS)}... (${text.length} characters)`;
}

/**
 * The SQS errors the engine raises, with AWS's query code (`code`), JSON
 * shape name (`type`), HTTP status and wording. One place, so the wire
 * endpoint and the conformance suite see the same codes everywhere.
 */
export const sqsError = {
  nonExistentQueue: (queue?: string) =>
    new AwsApiError(
      "AWS.SimpleQueueService.NonExistentQueue",
      "The specified queue does not exist.",
      {
        type: "QueueDoesNotExist",
        ...(queue === undefined ? {} : { queue }),
      },
    ),
  queueAlreadyExists: (attribute: string) =>
    new AwsApiError(
      "QueueAlreadyExists",
      `A queue already exists with the same name and a different value for attribute ${attribute}`,
      { type: "QueueNameExists" },
    ),
  receiptHandleIsInvalid: (handle: string) =>
    new AwsApiError(
      "ReceiptHandleIsInvalid",
      `The input receipt handle "${echo(handle)}" is not a valid receipt handle.`,
      { status: 404 },
    ),
  staleReceiptHandle: (handle: string) =>
    invalidParameterValue(
      `Value ${echo(handle)} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    ),
  purgeQueueInProgress: (queueName: string) =>
    new AwsApiError(
      "AWS.SimpleQueueService.PurgeQueueInProgress",
      `Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`,
      { type: "PurgeQueueInProgress", status: 403 },
    ),
  tooManyEntries: (count: number) =>
    new AwsApiError(
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${count}.`,
      { type: "TooManyEntriesInBatchRequest" },
    ),
  emptyBatch: (entryShape: string) =>
    new AwsApiError(
      "AWS.SimpleQueueService.EmptyBatchRequest",
      `There should be at least one ${entryShape} in the request.`,
      { type: "EmptyBatchRequest" },
    ),
  batchEntryIdsNotDistinct: (id: string) =>
    new AwsApiError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", `Id ${echo(id)} repeated.`, {
      type: "BatchEntryIdsNotDistinct",
    }),
  invalidBatchEntryId: () =>
    new AwsApiError(
      "AWS.SimpleQueueService.InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
      { type: "InvalidBatchEntryId" },
    ),
  batchRequestTooLong: (limit: number, size: number) =>
    new AwsApiError(
      "AWS.SimpleQueueService.BatchRequestTooLong",
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${size} bytes.`,
      { type: "BatchRequestTooLong" },
    ),
  invalidAttributeName: (name: string) =>
    new AwsApiError("InvalidAttributeName", `Unknown Attribute ${echo(name)}.`),
  /**
   * A queue attribute SQS refuses. AWS's text names only the attribute ("Invalid value for the
   * parameter DelaySeconds.", asserted against AWS by ballerina-platform's
   * module-ballerinax-aws.sqs tests); a reason follows only where offload has one of its own.
   */
  invalidAttributeValue: (name: string, reason?: string) =>
    new AwsApiError(
      "InvalidAttributeValue",
      `Invalid value for the parameter ${echo(name)}.${reason === undefined ? "" : ` Reason: ${reason}`}`,
    ),
  /**
   * A parameter that only FIFO queues take, sent to a standard queue (every queue here is one).
   * AWS's words, as its answers are quoted: to SendMessage "Value <v> for parameter
   * MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid
   * for this queue type." (cdklabs/construct-hub#905), and to a SendMessageBatch entry the bare
   * "The request include parameter that is not valid for this queue type" (aws/aws-sdk-js#4216,
   * #3187).
   */
  notForThisQueueType: (name: string, value: unknown) =>
    invalidParameterValue(
      `Value ${echo(value)} for parameter ${name} is invalid. Reason: The request include parameter that is not valid for this queue type.`,
    ),
  notForThisQueueTypeInBatch: () =>
    invalidParameterValue("The request include parameter that is not valid for this queue type"),
  /**
   * A batch entry member sent empty, named by its place in the request
   * (`SendMessageBatchRequestEntry.2.MessageBody`). AWS's code and text for an empty body in a
   * SendMessageBatch entry: "EmptyValue", "No Value Found for SendMessageBatchRequestEntry.1.MessageBody."
   * (quoted from AWS in redpanda-data/connect#1070; the code asserted against AWS by
   * ballerina-platform's module-ballerinax-aws.sqs, testSendMessageBatchPartialFailure).
   */
  emptyValue: (parameter: string) =>
    new AwsApiError("EmptyValue", `No Value Found for ${parameter}.`),
  /** An integer request parameter out of range, in SQS's words ("Value 11 for parameter X is invalid. Reason: ..."). */
  parameterOutOfRange: (name: string, value: unknown, reason: string) =>
    invalidParameterValue(
      `Value ${echo(value)} for parameter ${name} is invalid. Reason: ${reason}`,
    ),
  /** AWS's text, then what offload found (`detail`), when it can say more. */
  invalidMessageContents: (detail?: string) =>
    new AwsApiError(
      "InvalidMessageContents",
      `Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF${detail === undefined ? "" : `. ${detail}`}`,
    ),
  /** A MessageGroupId SQS refuses (API Reference, SendMessage: 1 to 128 alphanumeric or punctuation characters). */
  invalidMessageGroupId: (value: string) =>
    invalidParameterValue(
      `Value ${echo(value)} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    ),
  missingParameter: (name: string) =>
    new AwsApiError("MissingParameter", `The request must contain the parameter ${name}.`, {
      type: "MissingRequiredParameterException",
    }),
  unsupportedOperation: (message: string) =>
    new AwsApiError("AWS.SimpleQueueService.UnsupportedOperation", message, {
      type: "UnsupportedOperation",
    }),
  resourceNotFound: (message: string) =>
    new AwsApiError("ResourceNotFoundException", message, { status: 404 }),
  invalidParameterValue,
};
