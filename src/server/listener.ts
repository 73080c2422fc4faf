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

/**
 * The most of a request's body the server reads and drops to answer a request whose body it
 * did not read to the end (a 413 for a body over the limit, a 401, a 404 to a POST): 16 times
 * the default body limit, 4 times the wire endpoint's. Many clients (Python's urllib and
 * requests, Java's HttpURLConnection) write the whole body before they read anything, so a
 * server that answers and closes while the body is still coming resets the connection, and
 * they see `Broken pipe` instead of the answer. A body past this is not read: its answer says
 * `Connection: close`, and such clients may still see the reset.
 */
export const DISCARD_LIMIT_BYTES = 16 * 1_048_576;

/**
 * Listens with {@link SERVER_TIMEOUTS}; rejects with PortInUse or ListenFailed. Each request's
 * body is read to its end (up to {@link DISCARD_LIMIT_BYTES}) before its answer is sent.
 */
export function listen(fetch: Fetch, config: { port: number; host: string }): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: answerAfterBody(fetch),
        port: config.port,
        hostname: config.host,
        serverOptions: { ...SERVER_TIMEOUTS },
      },
      () => resolve(server),
    );
    // A client that ends its side once its request is written (a FIN: `nc -N`, some proxies)
    // still reads: by default Node ends the connection at that FIN, and the answer to a request
    // still being handled (a job being committed) is never sent though the job was taken, so a
    // client that retries sends it twice. With this, the answers still owed are written, then
    // the connection ends; the server's timeouts still bound a client that never reads.
    (server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
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

/** What `@hono/node-server` passes as a request's env: the Node.js request and response. */
interface NodeEnv {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/**
 * `fetch`, answering each request only once its body has arrived in full: the rest of a body
 * no route read is read and dropped (up to {@link DISCARD_LIMIT_BYTES}), so a client that
 * writes its whole body before reading gets the answer, and the connection can be used again.
 * A body past the limit, or one that fails, is left, and the answer says `Connection: close`
 * (Node then closes the connection once it is sent).
 */
function answerAfterBody(fetch: Fetch): Fetch {
  return (request, env) => {
    const answer = fetch(request, env);
    // An answer given at once stays synchronous: @hono/node-server writes those on a fast path.
    return answer instanceof Response
      ? afterBody(request, env, answer)
      : answer.then((response) => afterBody(request, env, response));
  };
}

function afterBody(
  request: Request,
  env: unknown,
  response: Response,
): Response | Promise<Response> {
  const { incoming, outgoing } = (env ?? {}) as NodeEnv;
  // `complete`: the parser has the whole request; what a route did not read, Node drops.
  if (incoming === undefined || incoming.complete) return response;
  return discardRest(request, incoming).then((arrived) => {
    if (!arrived && outgoing && !outgoing.headersSent) outgoing.setHeader("Connection", "close");
    return response;
  });
}

/** Reads and drops what is left of a request's body; true once it has all arrived. */
async function discardRest(request: Request, incoming: IncomingMessage): Promise<boolean> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > DISCARD_LIMIT_BYTES || incoming.destroyed) return false;
  try {
    // A body a route began to read as a web stream goes on through that stream: it holds the
    // Node.js request paused while no one reads it.
    const body = request.body;
    return await (body !== null && !body.locked ? discardStream(body) : discardNode(incoming));
  } catch {
    // Whatever fails here fails the connection, never the answer already made.
    return false;
  }
}

async function discardStream(body: ReadableStream<Uint8Array>): Promise<boolean> {
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      total += value.byteLength;
      if (total > DISCARD_LIMIT_BYTES) return false;
    }
  } catch {
    // The client went away, or its body broke off: nothing left to read.
    return false;
  } finally {
    reader.releaseLock();
  }
}

function discardNode(incoming: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let total = 0;
    const settle = (arrived: boolean) => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("close", onClose);
      incoming.off("error", onError);
      resolve(arrived);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > DISCARD_LIMIT_BYTES) settle(false);
    };
    const onEnd = () => settle(true);
    const onClose = () => settle(incoming.complete);
    const onError = () => settle(false);
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("close", onClose);
    incoming.on("error", onError);
    incoming.resume();
  });
}

/**
 * How long a connection refused for bad HTTP stays open after its answer, reading and
 * dropping what the client still sends: closing a socket with unread data resets it, and a
 * reset can discard the answer before the client reads it.
 */
const LINGER_MS = 2_000;

/** Sockets whose bad request is answered already: Node reports each later chunk again. */
const refused = new WeakSet<Duplex>();

/**
 * A request Node's HTTP parser refused before any route saw it: answered, as every other
 * error, with a JSON body naming the problem (Node's own answer has no body at all).
 *
 * Bytes that follow complete requests on the connection (pipelined junk) are refused after
 * those requests are answered, each with its own answer, so a client never takes the refusal
 * for the answer to a request that ran.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (refused.has(socket)) return;
  refused.add(socket);
  answerWhenIdle(error, socket);
}

function answerWhenIdle(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight && !inFlight.writableFinished && inFlight.req?.complete) {
    // Node hands the socket to the next pipelined answer as each one finishes.
    const next = () => {
      inFlight.off("finish", next);
      inFlight.off("close", next);
      answerWhenIdle(error, socket);
    };
    inFlight.on("finish", next);
    inFlight.on("close", next);
    return;
  }
  const { status, text } = jsonError(...clientErrorAnswer(error));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
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
