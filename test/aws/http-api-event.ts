import type { HttpApiEvent } from "../../src/aws/index.js";

/** A request as a test states it. */
export interface TestRequest {
  method: string;
  /** The path the app routes, without a stage prefix: `/jobs`. */
  path: string;
  /** The query string without `?`. */
  query?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The API Gateway stage. @defaultValue "$default" */
  stage?: string;
}

/**
 * The event API Gateway's HTTP API sends a Lambda integration (payload
 * format 2.0): lower-case headers, the stage's name before the path on a
 * named stage, the body as a string.
 */
export function httpApiEvent(request: TestRequest): HttpApiEvent {
  const stage = request.stage ?? "$default";
  const rawPath = stage === "$default" ? request.path : `/${stage}${request.path}`;
  const routeKey = `${request.method} ${request.path}`;
  const body = request.body ?? null;
  const headers: Record<string, string> = {
    host: "abc123.execute-api.us-east-1.amazonaws.com",
    "user-agent": "offload-test",
    ...(body === null ? {} : { "content-length": String(Buffer.byteLength(body)) }),
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const now = Date.now();
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: request.query ?? "",
    headers,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      authentication: null,
      authorizer: {},
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: {
        method: request.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "offload-test",
      },
      requestId: `req-${now}`,
      routeKey,
      stage,
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/** The same request for a Hono app's `fetch`, as the local server would get it (Content-Length included). */
export function localRequest(request: TestRequest): Request {
  const url = `http://127.0.0.1${request.path}${request.query ? `?${request.query}` : ""}`;
  return new Request(url, {
    method: request.method,
    headers: {
      ...(request.body === undefined
        ? {}
        : { "content-length": String(Buffer.byteLength(request.body)) }),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
}
