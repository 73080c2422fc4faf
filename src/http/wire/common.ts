import { randomUUID } from "node:crypto";
import { OffloadError } from "../../core/errors.js";
import { AwsApiError } from "../../engine/errors.js";
import { type NodeBody, readBodyBytes } from "../body.js";

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
  if (thrown instanceof AwsApiError) return thrown;
  if (thrown instanceof OffloadError && thrown.code === "PayloadTooLarge") {
    return new AwsApiError("RequestEntityTooLarge", thrown.message, { status: 413 });
  }
  report?.(thrown);
  return new AwsApiError(
    "InternalFailure",
    "The request processing has failed because of an unknown error, exception or failure.",
    { status: 500, sender: false },
  );
}

/**
 * The request body as UTF-8 text, refused over `limitBytes` (413 RequestEntityTooLarge). With
 * `node`, read from the Node.js request under `request`: reading `request.body` would build a
 * web Request and a ReadableStream for each request (measured: a tenth of the main thread's
 * time under the wire benchmark).
 */
export async function readBodyText(
  request: Request,
  limitBytes: number,
  node?: NodeBody,
): Promise<string> {
  return UTF8.decode(await readBodyBytes(request, limitBytes, node));
}

const UTF8 = new TextDecoder();

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
