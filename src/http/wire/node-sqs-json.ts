import type { IncomingMessage, ServerResponse } from "node:http";
import { toError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { readNodeBody } from "../body.js";
import { hostAllowed } from "../guard.js";
import { wireKeyCheck } from "./auth.js";
import { decodeUtf8, newRequestId, toAwsError } from "./common.js";
import { WIRE_BODY_LIMIT_BYTES } from "./index.js";
import {
  CONTENT_TYPE,
  isMessageAction,
  jsonErrorAnswer,
  type SqsJsonCall,
  TARGET_PREFIX,
} from "./sqs-json.js";

/** What {@link sqsJsonNodeHandler} needs: the API's own settings, as `createApi` has them. */
export interface SqsJsonNodeOptions {
  /** Answers a message action where the engine runs (the server's engine thread). */
  readonly sqsJson: SqsJsonCall;
  /** The API key every wire request must carry, when one is set. */
  readonly apiKey?: string | undefined;
  /** The host names requests may be addressed to, when limited (see requestGuard). */
  readonly allowedHosts?: readonly string[] | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Takes a Node.js request, or leaves it (false) to the API's own handling. It answers a
 * request only when its answer is already known to be the one the API would give, short of
 * the action's own: routing, the request guard, CORS, the API key and the body limit.
 */
export type NodeRequestHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * The JSON protocol's message actions (SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch),
 * ChangeMessageVisibility(Batch)) answered from the Node.js request, before the web Request,
 * its Headers and Hono's routing are made for it: under the wire benchmark those were most of
 * the main thread's work per request, the action itself being answered in the engine thread.
 *
 * Only requests whose every check passes are taken: `POST /` (no query, not a queue's path)
 * with a message action's X-Amz-Target, one Host and one Authorization header, no Origin (a
 * browser's request goes through the request guard and CORS), a Host the guard allows, the API
 * key when one is set, and a Content-Length within the wire body limit. Any other request,
 * refusals included, is left to the API, which answers it as before.
 */
export function sqsJsonNodeHandler(options: SqsJsonNodeOptions): NodeRequestHandler {
  const hosts = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts);
  const keyCheck = options.apiKey === undefined ? undefined : wireKeyCheck(options.apiKey);
  const report = (thrown: unknown) => {
    const error = toError(thrown);
    options.logger?.error(
      { error: { name: error.name, message: error.message, stack: error.stack } },
      "a wire request failed; it was answered 500 InternalFailure",
    );
  };
  return (request, response) => {
    if (request.method !== "POST" || request.url !== "/") return false;
    const headers = request.headers;
    const target = headers["x-amz-target"];
    if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) return false;
    const action = target.slice(TARGET_PREFIX.length);
    if (!isMessageAction(action)) return false;
    if (headers.origin !== undefined || headers["transfer-encoding"] !== undefined) return false;
    // Node keeps the first of repeated Host and Authorization headers, where the web Headers
    // the API reads join them: such a request is left to the API, which refuses it as before.
    if (!singleHostAndAuthorization(request.rawHeaders)) return false;
    if (hosts !== undefined && !hostAllowed(hosts, headers.host ?? null)) return false;
    if (keyCheck !== undefined && keyCheck(headers.authorization ?? null) !== undefined) {
      return false;
    }
    const declared = headers["content-length"];
    if (
      declared === undefined ||
      !DIGITS.test(declared) ||
      Number(declared) > WIRE_BODY_LIMIT_BYTES
    ) {
      return false;
    }
    answer(options.sqsJson, action, request, response, report).catch(() => response.destroy());
    return true;
  };
}

const DIGITS = /^\d+$/;

function singleHostAndAuthorization(raw: readonly string[]): boolean {
  let hosts = 0;
  let authorizations = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") hosts++;
    else if (name.length === 13 && name.toLowerCase() === "authorization") authorizations++;
  }
  return hosts <= 1 && authorizations <= 1;
}

async function answer(
  sqsJson: SqsJsonCall,
  action: Parameters<SqsJsonCall>[0],
  request: IncomingMessage,
  response: ServerResponse,
  report: (thrown: unknown) => void,
): Promise<void> {
  const requestId = newRequestId();
  try {
    const text = decodeUtf8(await readNodeBody(request, WIRE_BODY_LIMIT_BYTES));
    const body = await sqsJson(action, text, undefined, receiveSignal(action, response));
    response.writeHead(200, {
      "content-type": CONTENT_TYPE,
      "x-amzn-RequestId": requestId,
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  } catch (thrown) {
    const { status, headers, body } = jsonErrorAnswer(toAwsError(thrown, report), requestId);
    response.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
    response.end(body);
  }
}

/** A receive's signal, aborted when its client leaves before the answer: the long poll ends. */
function receiveSignal(action: string, response: ServerResponse): AbortSignal | undefined {
  if (action !== "ReceiveMessage") return undefined;
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
