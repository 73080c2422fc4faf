import { randomUUID } from "node:crypto";
import { OffloadError } from "../../core/errors.js";
import { AwsApiError } from "../../engine/errors.js";
import { sqsError } from "../../engine/sqs/errors.js";
import { type NodeBody, readBodyBytes } from "../body.js";
import { firstInvalidByte } from "../json.js";

/** A query-protocol request (SQS's or SNS's): a form post. */
export function isFormPost(request: Request): boolean {
  const type = request.headers.get("content-type") ?? "";
  return /^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(type);
}

/** A query-protocol answer: its XML, with the request id AWS's carry. */
export function xmlResponse(status: number, xml: string, requestId: string): Response {
  return new Response(xml, {
    status,
    headers: { "content-type": "text/xml", "x-amzn-RequestId": requestId },
  });
}

/** Every wire response carries one, as AWS's do (`x-amzn-RequestId`, `<RequestId>`). */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Turns anything thrown while serving a wire request into the AWS error to
 * answer. AwsApiErrors keep their code; anything else is AWS's generic 500
 * `InternalFailure`, so no internals (paths, SQL, stack) leak; `report` gets
 * those, for the operator's log.
 */
export function toAwsError(thrown: unknown, report?: (thrown: unknown) => void): AwsApiError {
  if (thrown instanceof AwsApiError) return bounded(thrown);
  if (thrown instanceof OffloadError && thrown.code === "PayloadTooLarge") {
    return new AwsApiError("RequestEntityTooLarge", thrown.message, { status: 413 });
  }
  // Logged once by the server when found; its message names the file and what to do.
  if (thrown instanceof OffloadError && thrown.code === "DatabaseGone") {
    return new AwsApiError("ServiceUnavailable", thrown.message, { status: 503, sender: false });
  }
  // The client left before its body arrived: no one reads the answer, and the server did not fail.
  if (thrown instanceof OffloadError && thrown.code === "IncompleteBody") {
    return new AwsApiError("IncompleteBody", thrown.message);
  }
  report?.(thrown);
  return new AwsApiError(
    "InternalFailure",
    "The request processing has failed because of an unknown error, exception or failure.",
    { status: 500, sender: false },
  );
}

/**
 * The longest error message answered. AWS's own are a sentence or two; longer ones repeat
 * the client's input, which the answer need not carry back in full.
 */
export const MAX_ERROR_MESSAGE_CHARS = 1_024;

/** The error with its message cut to MAX_ERROR_MESSAGE_CHARS, saying how long it was. */
function bounded(error: AwsApiError): AwsApiError {
  if (error.message.length <= MAX_ERROR_MESSAGE_CHARS) return error;
  const message = `${error.message.slice(0, MAX_ERROR_MESSAGE_CHARS)}... (message cut from ${error.message.length} characters)`;
  return new AwsApiError(error.code, message, {
    type: error.type,
    status: error.status,
    sender: error.sender,
  });
}

/** Strict: a byte that is not UTF-8 is an error, never a silent U+FFFD. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The request body as UTF-8 text, refused over `limitBytes` (413 RequestEntityTooLarge). With
 * `node`, read from the Node.js request under `request`: reading `request.body` would build a
 * web Request and a ReadableStream for each request (measured: a tenth of the main thread's
 * time under the wire benchmark).
 *
 * @throws AwsApiError InvalidMessageContents when the body is not UTF-8: SQS refuses
 * characters it cannot store rather than replacing them.
 */
export async function readBodyText(
  request: Request,
  limitBytes: number,
  node?: NodeBody,
): Promise<string> {
  const bytes = await readBodyBytes(request, limitBytes, node);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw sqsError.invalidMessageContents(
      `The request is not valid UTF-8${firstInvalidByte(bytes)}.`,
    );
  }
}

/** Where a request posted to a queue's path (`/<account>/<name>`) points. */
export interface QueuePath {
  account: string;
  name: string;
}

/** The queue URL of a request posted to a queue path, on the host it was sent to. */
export function queueUrlOf(request: Request, path: QueuePath | undefined): string | undefined {
  if (path === undefined) return undefined;
  return `${new URL(request.url).origin}/${path.account}/${path.name}`;
}
