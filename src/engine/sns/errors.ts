import { AwsApiError } from "../errors.js";

/** The SNS errors the engine raises, with AWS's codes, statuses and wording. */
export const snsError = {
  topicNotFound: () => new AwsApiError("NotFound", "Topic does not exist", { status: 404 }),
  subscriptionNotFound: () =>
    new AwsApiError("NotFound", "Subscription does not exist", { status: 404 }),
  invalidParameter: (message: string) => new AwsApiError("InvalidParameter", message),
  /** SNS's InvalidParameterValueException has the query code ParameterValueInvalid. */
  invalidParameterValue: (message: string) =>
    new AwsApiError("ParameterValueInvalid", message, { type: "InvalidParameterValueException" }),
  tooManyEntries: () =>
    new AwsApiError(
      "TooManyEntriesInBatchRequest",
      "The batch request contains more entries than permissible.",
    ),
  emptyBatch: () =>
    new AwsApiError("EmptyBatchRequest", "The batch request doesn't contain any entries."),
  batchEntryIdsNotDistinct: () =>
    new AwsApiError(
      "BatchEntryIdsNotDistinct",
      "Two or more batch entries in the request have the same Id.",
    ),
  invalidBatchEntryId: (id: string) =>
    new AwsApiError(
      "InvalidBatchEntryId",
      id.length > 80
        ? `The Id of a batch entry in the batch request is too long: ${id}`
        : `The Id of a batch entry in the batch request contains an impermissible character: ${id}`,
    ),
  batchRequestTooLong: () =>
    new AwsApiError(
      "BatchRequestTooLong",
      "The length of all the messages put together is more than the limit.",
    ),
};
