import { AwsApiError } from "../../engine/errors.js";
import { type ApiError, STATUS_BY_CODE } from "../errors.js";
import { isFormPost, newRequestId, xmlResponse } from "./common.js";
import { jsonError } from "./sqs-json.js";
import { sqsQueryError } from "./sqs-query.js";

/**
 * Who may use the wire endpoint when an API key is set: only a request that
 * carries the key, from any peer, loopback included. A peer's address proves
 * nothing about who sent the request: a reverse proxy on the same host, or a
 * page in a local browser whose name was re-pointed at 127.0.0.1 (DNS
 * rebinding), both connect from loopback.
 *
 * The key comes as `Authorization: Bearer <key>` or as the access key id of a
 * SigV4 signature (`Credential=<key>/…`), so the AWS SDKs and CLI carry it
 * through `AWS_ACCESS_KEY_ID`. Signatures themselves are not verified.
 */
export function wireAccess(apiKey: string): (request: Request) => AwsApiError | undefined {
  return (request) => {
    const header = request.headers.get("authorization");
    const bearer = header === null ? undefined : /^\s*Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const accessKeyId = header === null ? undefined : CREDENTIAL.exec(header)?.[1];
    const given = bearer ?? accessKeyId;
    if (given !== undefined && constantTimeEqual(given, apiKey)) return undefined;
    return new AwsApiError(
      "AccessDenied",
      `${NEEDS_KEY}; ${whatCame(header, bearer, accessKeyId)}`,
      {
        status: 403,
      },
    );
  };
}

/**
 * A SigV4 credential, `<access key id>/<date>/<region>/<service>/aws4_request`, read from its
 * end: a key made with `openssl rand -base64` has `/` in it.
 */
const CREDENTIAL = /\bCredential=([^,\s]+)\/\d{8}\/[^/,\s]+\/[^/,\s]+\/aws4_request\b/;

const NEEDS_KEY =
  "This offload server requires its API key on every request: use it as the AWS access key id (AWS_ACCESS_KEY_ID) or send Authorization: Bearer <key>";

/** What the request carried instead of the key, for the refusal's message. */
function whatCame(
  header: string | null,
  bearer: string | undefined,
  accessKeyId: string | undefined,
): string {
  if (header === null || header.trim() === "") return "the request has no Authorization header";
  if (bearer !== undefined) return "the bearer token is not the key";
  if (accessKeyId !== undefined) {
    // The id is the caller's own, and not secret (a signature's credential scope is sent in clear).
    return `the access key id ${JSON.stringify(accessKeyId.slice(0, 40))} is not the key`;
  }
  return "the Authorization header is neither a bearer token nor a SigV4 signature";
}

/** Where the wire endpoint takes requests: `/`, and a queue's path `/<account>/<name>`. */
const WIRE_PATH = /^\/(?:[0-9]{12}\/[^/]+)?$/;

/**
 * A refusal of the request guard (guard.ts: HostNotAllowed, CrossSiteRequest) for a request to
 * the wire endpoint, in its protocol's error shape, so the AWS SDKs and CLI show its code and
 * message; undefined for any other request (it gets the API's JSON error).
 */
export function wireRefusal(error: ApiError, request: Request): Response | undefined {
  if (request.method !== "POST" || !WIRE_PATH.test(new URL(request.url).pathname)) {
    return undefined;
  }
  const status = STATUS_BY_CODE[error.code];
  const refusal = new AwsApiError(error.code, error.message, { status });
  const requestId = newRequestId();
  if (request.headers.has("x-amz-target")) return jsonError(refusal, requestId);
  if (!isFormPost(request)) return undefined;
  return xmlResponse(status, sqsQueryError(refusal, requestId), requestId);
}

/** Compares without an early exit on the first differing character. */
function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return difference === 0;
}
