import { toError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { SnsApi } from "../../engine/sns/types.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import type { NodeBody } from "../body.js";
import { wireAccess } from "./auth.js";
import {
  isFormPost,
  newRequestId,
  type QueuePath,
  queueUrlOf,
  readBodyText,
  toAwsError,
  xmlResponse,
} from "./common.js";
import { FormParams, formEntries } from "./form.js";
import { isSnsAction, SNS_VERSION, serveSnsQuery, snsInvalid, snsQueryError } from "./sns-query.js";
import { invalidAction, isSqsAction } from "./sqs-actions.js";
import { jsonError, type SqsJsonCall, serveSqsJson } from "./sqs-json.js";
import { serveSqsQuery, sqsInvalid, sqsQueryError } from "./sqs-query.js";

export type { QueuePath } from "./common.js";
export { answerSqsJson, isMessageAction, type SqsJsonCall } from "./sqs-json.js";

/** The APIs the wire endpoint serves: the engine's `sqs` and `sns`. */
export interface WireApis {
  sqs: SqsApi;
  sns: SnsApi;
  /**
   * Answers the JSON protocol's message actions (isMessageAction) from their body text, where
   * `sqs` runs: the server's engine thread, so that a body and its answer cross to it as text.
   * Without it, every action is parsed here and served by `sqs`.
   */
  sqsJson?: SqsJsonCall;
}

/**
 * Serves one POST if it is an AWS protocol request, else resolves undefined
 * (the caller answers it). `path` is set for posts to a queue's path; `node`, the Node.js
 * request under `request` when there is one, is read for the body (see `nodeBodyOf`).
 */
export type WireHandler = (
  request: Request,
  path?: QueuePath,
  node?: NodeBody,
) => Promise<Response | undefined>;

/**
 * The largest wire request body. A 10-entry batch may carry 1 MiB of
 * messages (SQS's limit since 2025-08), and form encoding can triple
 * non-ASCII text, so this is well above the HTTP API's default.
 */
export const WIRE_BODY_LIMIT_BYTES = 4 * 1_048_576;

/**
 * The most parameters a query-protocol request may have. The largest real one, a 10-entry
 * batch whose entries carry 10 message attributes each, has about 450. Reading list entries
 * scans every parameter once per entry, so the work grows with the square of their number:
 * measured, 8,000 entries took 0.46 s of the thread that serves every request, and the
 * ~110,000 that fit in the body limit would have held it for over a minute.
 */
export const MAX_FORM_PARAMETERS = 1_000;

/**
 * The SQS API (JSON and query protocols) and the SNS API (query protocol)
 * over the engine, as the AWS SDKs and CLI speak them, so they work against
 * a local app with `endpoint: "http://localhost:3000"`.
 *
 * Signatures (SigV4 `Authorization` headers) are not verified: any
 * credentials are accepted, as in ElasticMQ and LocalStack, unless `apiKey`
 * is set, when every request must carry it (see wireAccess). Without a key,
 * serve it only where anyone who can connect may use every queue and topic.
 *
 * @example
 * const wire = createWireHandler({ sqs: engine.sqs, sns: engine.sns });
 * app.post("/", async (c, next) => (await wire(c.req.raw)) ?? next());
 */
export function createWireHandler(
  apis: WireApis,
  options: { bodyLimitBytes?: number; apiKey?: string; logger?: Logger } = {},
): WireHandler {
  const limit = options.bodyLimitBytes ?? WIRE_BODY_LIMIT_BYTES;
  // The server's own failures (answered InternalFailure, with no detail) are the operator's to see.
  const report = (thrown: unknown) => {
    const error = toError(thrown);
    options.logger?.error(
      { error: { name: error.name, message: error.message, stack: error.stack } },
      "a wire request failed; it was answered 500 InternalFailure",
    );
  };
  const access = options.apiKey === undefined ? undefined : wireAccess(options.apiKey);
  return async (request, path, node) => {
    const target = request.headers.get("x-amz-target");
    const denied = access?.(request);
    if (target !== null) {
      if (denied) return jsonError(denied, newRequestId());
      return serveSqsJson(apis.sqs, request, target, path, limit, report, node, apis.sqsJson);
    }
    if (!isFormPost(request)) return undefined;
    if (denied) {
      const requestId = newRequestId();
      return xmlResponse(denied.status, sqsQueryError(denied, requestId), requestId);
    }
    return serveQuery(apis, request, path, limit, report, node);
  };
}

async function serveQuery(
  apis: WireApis,
  request: Request,
  path: QueuePath | undefined,
  limit: number,
  report: (thrown: unknown) => void,
  node: NodeBody | undefined,
): Promise<Response | undefined> {
  const requestId = newRequestId();
  // Until the action is known, errors take SQS's shape unless the request says it is SNS's.
  let sns = false;
  try {
    const text = await readBodyText(request, limit, node);
    const query = new URL(request.url).searchParams;
    const values = new Map([...query, ...formEntries(text)]);
    const action = values.get("Action");
    // A form post with no Action is not an AWS request: the caller answers it.
    if (action === undefined) return undefined;
    sns = isSnsAction(action) || (!isSqsAction(action) && values.get("Version") === SNS_VERSION);
    if (values.size > MAX_FORM_PARAMETERS) {
      throw (sns ? snsInvalid : sqsInvalid)(
        `The request has ${values.size} parameters; no action takes more than ${MAX_FORM_PARAMETERS}.`,
      );
    }
    const answer = isSqsAction(action)
      ? await serveSqsQuery(
          apis.sqs,
          action,
          new FormParams(values, sqsInvalid),
          queueUrlOf(request, path),
          request,
          requestId,
        )
      : isSnsAction(action)
        ? await serveSnsQuery(apis.sns, action, new FormParams(values, snsInvalid), requestId)
        : undefined;
    if (answer === undefined) throw invalidAction(action);
    return xmlResponse(answer.status, answer.xml, requestId);
  } catch (thrown) {
    const error = toAwsError(thrown, report);
    const xml = sns ? snsQueryError(error, requestId) : sqsQueryError(error, requestId);
    return xmlResponse(error.status, xml, requestId);
  }
}
