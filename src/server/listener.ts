import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type ServerType, serve } from "@hono/node-server";
import { OffloadError } from "../core/errors.js";
import { ApiError, type ApiErrorCode, toErrorAnswer } from "../http/errors.js";

export type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

/**
 * How long a client may take: to send its headers, and its whole request. A job's body is at
 * most a few MiB, so a request still arriving after this is stalled or hostile; ending it frees
 * its socket (Node's own limit is five minutes).
 */
export const SERVER_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  /** How often Node looks for requests past those limits. */
  connectionsCheckingInterval: 2_000,
} as const;

/** Listens with {@link SERVER_TIMEOUTS}; rejects with PortInUse or ListenFailed. */
export function listen(fetch: Fetch, config: { port: number; host: string }): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch, port: config.port, hostname: config.host, serverOptions: { ...SERVER_TIMEOUTS } },
      () => resolve(server),
    );
    server.on("clientError", answerClientError);
    server.on("checkExpectation", answerUnmetExpectation);
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new OffloadError(
              "PortInUse",
              `Port ${config.port} on ${config.host} is in use: stop the other process, or choose another port`,
              { cause: error },
            )
          : new OffloadError(
              "ListenFailed",
              `Cannot listen on ${config.host}:${config.port}: ${error.message}`,
              { cause: error },
            ),
      );
    });
  });
}

/**
 * Stops taking connections, and ends each open one once it is idle: every request answered
 * from now on closes its connection (Connection: close), and idle ones are closed as they come.
 * `close()` alone waits for clients to hang up, and one that keeps its connection busy (one
 * request after another, as a keep-alive client under load does) held a SIGTERM off for good,
 * its jobs taken in all the while.
 */
export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    // Before the API's own listener, so the header is set before any answer is written.
    server.prependListener("request", (_request: IncomingMessage, response: ServerResponse) => {
      response.setHeader("Connection", "close");
    });
    const http = server as ServerType & { closeIdleConnections?: () => void };
    const sweep = setInterval(() => http.closeIdleConnections?.(), IDLE_SWEEP_MS);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}

/** How often a closing server ends the connections that went idle meanwhile. */
const IDLE_SWEEP_MS = 50;

/**
 * A request Node's HTTP parser refused before any route saw it: answered, as every other
 * error, with a JSON body naming the problem (Node's own answer has no body at all).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, text } = jsonError(...clientErrorAnswer(error));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * A request with an Expect header Node cannot meet (anything but 100-continue): the 417 it
 * would send anyway, with a body that says which expectation and what the server takes.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const { status, text } = jsonError(
    "ExpectationFailed",
    `The server cannot meet the request's Expect: ${JSON.stringify(request.headers.expect ?? "")}; it takes only "100-continue", or no Expect header`,
  );
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    Connection: "close",
  });
  response.end(text);
  request.resume();
}

/** An error answered outside the API's routes: its status and JSON body, as the routes give them. */
function jsonError(code: ApiErrorCode, message: string): { status: number; text: string } {
  const { status, body } = toErrorAnswer(new ApiError(code, message));
  return { status, text: JSON.stringify(body) };
}

function clientErrorAnswer(error: NodeJS.ErrnoException): [code: ApiErrorCode, message: string] {
  if (error.code === "HPE_HEADER_OVERFLOW") {
    return ["HeadersTooLarge", "The request's headers are larger than the server takes (16 KiB)"];
  }
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return [
      "RequestTimeout",
      `The request did not arrive in full within ${SERVER_TIMEOUTS.requestTimeout / 1000} seconds`,
    ];
  }
  const reason = (error as { reason?: unknown }).reason;
  return [
    "InvalidRequest",
    `The request is not valid HTTP/1.1: ${typeof reason === "string" ? reason : error.message}`,
  ];
}
