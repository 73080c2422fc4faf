import { OffloadError } from "../core/errors.js";

/**
 * An error with the code, HTTP status and message AWS gives for the same
 * request. `code` is the query-protocol code (`AWS.SimpleQueueService.NonExistentQueue`),
 * `type` the JSON-protocol shape name (`QueueDoesNotExist`); for most errors both are equal.
 * `sender` is true for client errors (AWS's `Sender` fault).
 */
export class AwsApiError extends OffloadError<string> {
  override name = "AwsApiError";
  readonly type: string;
  readonly status: number;
  readonly sender: boolean;

  constructor(
    code: string,
    message: string,
    options: { type?: string; status?: number; sender?: boolean; queue?: string } = {},
  ) {
    super(code, message, options.queue === undefined ? {} : { queue: options.queue });
    this.type = options.type ?? code;
    this.status = options.status ?? 400;
    this.sender = options.sender ?? true;
  }
}

/** `InvalidParameterValue` with SQS's wording: which parameter, which value, why. */
export function invalidParameterValue(message: string): AwsApiError {
  // In SQS's JSON protocol this error is the coral shape InvalidParameterValueException.
  return new AwsApiError("InvalidParameterValue", message, {
    type: "InvalidParameterValueException",
  });
}

/** SNS's `InvalidParameter` ("Invalid parameter: <name>: <reason>"). */
export function snsInvalidParameter(message: string): AwsApiError {
  return new AwsApiError("InvalidParameter", message);
}
