import type { AwsApiError } from "../../engine/errors.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import type { NodeBody } from "../body.js";
import { firstOverLimit, MAX_JSON_DEPTH } from "../json.js";
import { newRequestId, type QueuePath, queueUrlOf, readBodyText, toAwsError } from "./common.js";
import { callSqs, invalidAction, isSqsAction, type SqsAction } from "./sqs-actions.js";
import { serializationError, sqsJsonInput } from "./sqs-json-input.js";

/**
 * SQS's JSON protocol (awsJson1_0, what the AWS SDK v3 speaks):
 * `POST /` with `X-Amz-Target: AmazonSQS.<Action>`, the command input as
 * the body and the command output as the answer. Blobs travel as base64.
 */

const CONTENT_TYPE = "application/x-amz-json-1.0";
const TARGET_PREFIX = "AmazonSQS.";

/**
 * Error shapes AWS's front end (coral) answers with rather than the SQS
 * model; the SDK reads the name after `#`, and the query code from
 * `x-amzn-query-error` (SQS is `awsQueryCompatible`).
 */
const CORAL_TYPES = new Set([
  "InvalidParameterValueException",
  "MissingRequiredParameterException",
  "UnknownOperationException",
  "SerializationException",
  "InternalFailure",
  "RequestEntityTooLarge",
]);

export async function serveSqsJson(
  sqs: SqsApi,
  request: Request,
  target: string,
  path: QueuePath | undefined,
  bodyLimitBytes: number,
  report?: (thrown: unknown) => void,
  node?: NodeBody,
  elsewhere?: SqsJsonCall,
): Promise<Response> {
  const requestId = newRequestId();
  try {
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    if (!isSqsAction(action)) throw invalidAction(target);
    const text = await readBodyText(request, bodyLimitBytes, node);
    const queueUrl = queueUrlOf(request, path);
    const body =
      elsewhere !== undefined && isMessageAction(action)
        ? await elsewhere(
            action,
            text,
            queueUrl,
            action === "ReceiveMessage" ? request.signal : undefined,
          )
        : await answerSqsJson(sqs, action, text, queueUrl, request);
    return new Response(body, {
      status: 200,
      headers: { "content-type": CONTENT_TYPE, "x-amzn-RequestId": requestId },
    });
  } catch (thrown) {
    return jsonError(toAwsError(thrown, report), requestId);
  }
}

/**
 * Answers one JSON-protocol request body where the SqsApi runs (the engine thread, in the
 * server): `answerSqsJson` there, given the raw body, resolving with the answer's body. Only
 * the message actions (isMessageAction) go this way.
 */
export type SqsJsonCall = (
  action: SqsAction,
  body: string,
  queueUrl: string | undefined,
  signal?: AbortSignal,
) => Promise<string>;

/**
 * The actions that carry messages, answered by an SqsJsonCall when there is one: a body and an
 * answer cross the thread boundary as text, cheaper than the parsed input and output (measured
 * in bench/NOTES.md). No guard on the app's own resources covers them: they change no queue.
 */
const MESSAGE_ACTIONS: ReadonlySet<string> = new Set<SqsAction>([
  "SendMessage",
  "SendMessageBatch",
  "ReceiveMessage",
  "DeleteMessage",
  "DeleteMessageBatch",
  "ChangeMessageVisibility",
  "ChangeMessageVisibilityBatch",
]);

export function isMessageAction(action: string): action is SqsAction {
  return MESSAGE_ACTIONS.has(action);
}

/**
 * One JSON-protocol action, from the request's body text to the answer's: parsed, checked,
 * served by `sqs`, encoded. `request.signal` is read for a receive alone.
 */
export async function answerSqsJson(
  sqs: SqsApi,
  action: SqsAction,
  text: string,
  queueUrl: string | undefined,
  request: { readonly signal?: AbortSignal | undefined },
): Promise<string> {
  const input = sqsJsonInput(action, parseInput(text));
  if (queueUrl !== undefined && input.QueueUrl === undefined) input.QueueUrl = queueUrl;
  const output = await callSqs(sqs, action, input, request);
  // A replacer costs a call per key and value: only a receive can answer blobs.
  return action === "ReceiveMessage" && hasBlob(output)
    ? JSON.stringify(output, encodeBlob)
    : JSON.stringify(output);
}

/** A received message carries a binary attribute value (a Uint8Array). */
function hasBlob(output: object): boolean {
  const messages = (output as { Messages?: Array<{ MessageAttributes?: object }> }).Messages;
  return (messages ?? []).some((message) =>
    Object.values(message.MessageAttributes ?? {}).some(
      (value: { BinaryValue?: unknown }) => value.BinaryValue instanceof Uint8Array,
    ),
  );
}

export function jsonError(error: AwsApiError, requestId: string): Response {
  const namespace = CORAL_TYPES.has(error.type) ? "com.amazon.coral.service" : "com.amazonaws.sqs";
  return new Response(
    JSON.stringify({ __type: `${namespace}#${error.type}`, message: error.message }),
    {
      status: error.status,
      headers: {
        "content-type": CONTENT_TYPE,
        "x-amzn-RequestId": requestId,
        "x-amzn-query-error": `${error.code};${error.sender ? "Sender" : "Receiver"}`,
      },
    },
  );
}

/**
 * The most values (members and elements) an SQS JSON body may hold, as MAX_FORM_PARAMETERS
 * for the query protocol. The largest real request, a 10-entry batch whose entries carry 10
 * message attributes each, has about 350; walking a body that fills the 4 MiB limit with
 * hundreds of thousands (300,000 attribute names, 100,000 tags) took the thread that serves
 * every request most of a second, each.
 */
export const MAX_SQS_JSON_MEMBERS = 1_000;

function parseInput(text: string): Record<string, unknown> {
  // The SDK always sends a body; an empty one is taken as no parameters.
  if (text.trim() === "") return {};
  // No SQS input nests more than a few levels or holds more than a few hundred values; more is
  // refused before anything walks it (JSON.parse, the structured clone to the engine thread,
  // JSON.stringify all recurse, and a crowded body holds the thread that serves every request).
  const over = firstOverLimit(text, { maxDepth: MAX_JSON_DEPTH, maxMembers: MAX_SQS_JSON_MEMBERS });
  if (over?.limit === "depth") {
    throw serializationError(
      `The request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep (at position ${over.position}).`,
    );
  }
  if (over?.limit === "members") {
    throw serializationError(
      `The request body has more than ${MAX_SQS_JSON_MEMBERS.toLocaleString("en-US")} members (at position ${over.position}); no SQS request has that many.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw serializationError("The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw serializationError("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** JSON.stringify replacer: blobs (binary attribute values) as base64. */
function encodeBlob(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
}
