import type { AwsApiError } from "../../engine/errors.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import { firstTooDeep, MAX_JSON_DEPTH } from "../json.js";
import { newRequestId, type QueuePath, queueUrlOf, readBodyText, toAwsError } from "./common.js";
import { callSqs, invalidAction, isSqsAction } from "./sqs-actions.js";
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
): Promise<Response> {
  const requestId = newRequestId();
  try {
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    if (!isSqsAction(action)) throw invalidAction(target);
    const input = sqsJsonInput(action, parseInput(await readBodyText(request, bodyLimitBytes)));
    const queueUrl = queueUrlOf(request, path);
    if (queueUrl !== undefined && input.QueueUrl === undefined) input.QueueUrl = queueUrl;
    const output = await callSqs(sqs, action, input, request.signal);
    return new Response(JSON.stringify(output, encodeBlob), {
      status: 200,
      headers: { "content-type": CONTENT_TYPE, "x-amzn-RequestId": requestId },
    });
  } catch (thrown) {
    return jsonError(toAwsError(thrown, report), requestId);
  }
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

function parseInput(text: string): Record<string, unknown> {
  // The SDK always sends a body; an empty one is taken as no parameters.
  if (text.trim() === "") return {};
  // No SQS input nests more than a few levels; deeper is refused before anything walks it
  // (JSON.parse, the structured clone to the engine thread, JSON.stringify all recurse).
  const deep = firstTooDeep(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    throw serializationError(
      `The request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep (at position ${deep}).`,
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
