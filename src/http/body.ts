import type { Readable } from "node:stream";
import { quote } from "./describe.js";
import { ApiError } from "./errors.js";

/**
 * Checks that a request says its body is JSON: `application/json`, with
 * `charset=utf-8` or no charset (RFC 8259 §8.1: JSON exchanged between
 * systems is UTF-8), and not compressed (no Content-Encoding but
 * `identity`; RFC 9110 §15.5.16 answers any other with 415). Other
 * parameters are ignored.
 *
 * @throws ApiError UnsupportedMediaType naming what came, or that nothing did.
 */
export function requireJsonContentType(request: Request): void {
  const encoding = request.headers.get("content-encoding");
  if (encoding !== null && !/^\s*(identity\s*)?$/i.test(encoding)) {
    throw new ApiError(
      "UnsupportedMediaType",
      `The body must be sent uncompressed (no Content-Encoding, or identity); got Content-Encoding ${quote(encoding, 100)}`,
    );
  }
  const header = request.headers.get("content-type");
  const expected = "Content-Type must be application/json (charset=utf-8 optional)";
  if (header === null || header.trim() === "") {
    throw new ApiError("UnsupportedMediaType", `${expected}; the request has no Content-Type`);
  }
  const [type = "", ...parameters] = header.split(";");
  if (type.trim().toLowerCase() !== "application/json") {
    throw new ApiError("UnsupportedMediaType", `${expected}; got ${quote(header, 100)}`);
  }
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=", 2);
    if (name.trim().toLowerCase() !== "charset") continue;
    const charset = value.trim().replace(/^"(.*)"$/, "$1");
    if (charset.toLowerCase() !== "utf-8") {
      throw new ApiError(
        "UnsupportedMediaType",
        `${expected}; got charset ${quote(charset)} in ${quote(header, 100)}`,
      );
    }
  }
}

/**
 * The Node.js request a Hono context came from, when `@hono/node-server`
 * serves it (it passes `{ incoming, outgoing }` as the env). Reading the body
 * from it directly skips building a web ReadableStream per request.
 */
export type NodeBody = Pick<
  Readable,
  "readableDidRead" | "readableEnded" | "destroyed" | "on" | "off"
>;

/** The Node.js request under a Hono context's env, if there is one whose body nobody read yet. */
export function nodeBodyOf(env: unknown): NodeBody | undefined {
  const incoming = (env as { incoming?: Partial<NodeBody> } | undefined)?.incoming;
  if (
    incoming === undefined ||
    typeof incoming.on !== "function" ||
    typeof incoming.off !== "function" ||
    incoming.readableDidRead !== false
  ) {
    return undefined;
  }
  return incoming as NodeBody;
}

/**
 * Reads a request body, refusing it once it is over `limitBytes`: up front
 * when Content-Length says so, and by counting while reading, so an absent
 * or lying Content-Length (chunked bodies) is caught too. Never holds more
 * than `limitBytes` of it. With `node`, the body is read from the Node.js
 * request under `request` (same bytes, less work per request).
 *
 * @throws ApiError PayloadTooLarge; IncompleteBody when the client leaves before its body ends
 */
export async function readBodyBytes(
  request: Request,
  limitBytes: number,
  node?: NodeBody,
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > limitBytes) {
    throw tooLarge(`its Content-Length is ${Number(declared)} bytes`, limitBytes);
  }
  if (node !== undefined) return readNodeBody(node, limitBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limitBytes) {
        // Stop reading, without cancelling: cancelling can destroy the socket
        // (Node) before the 413 is written. The server drains or closes the rest.
        throw overLimit(limitBytes);
      }
      chunks.push(value);
    }
  } catch (thrown) {
    throw isClientGone(thrown) ? clientGone() : thrown;
  } finally {
    reader.releaseLock();
  }
  return concat(chunks, total);
}

function readNodeBody(incoming: NodeBody, limitBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    new NodeBodyReader(incoming, limitBytes, resolve, reject).start();
  });
}

/**
 * Reads one Node.js request body. A class with bound methods rather than
 * closures: under the TypeScript loader every named closure costs a
 * defineProperty call, and this runs once per request.
 */
class NodeBodyReader {
  readonly #chunks: Uint8Array[] = [];
  #total = 0;
  readonly #incoming: NodeBody;
  readonly #limitBytes: number;
  readonly #resolve: (bytes: Uint8Array) => void;
  readonly #reject: (error: unknown) => void;
  readonly #onData = this.#data.bind(this);
  readonly #onEnd = this.#end.bind(this);
  readonly #onError = this.#error.bind(this);
  readonly #onClose = this.#close.bind(this);

  constructor(
    incoming: NodeBody,
    limitBytes: number,
    resolve: (bytes: Uint8Array) => void,
    reject: (error: unknown) => void,
  ) {
    this.#incoming = incoming;
    this.#limitBytes = limitBytes;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(): void {
    if (this.#incoming.destroyed) {
      // Closed before anyone listened: no event would come.
      this.#reject(clientGone());
      return;
    }
    this.#incoming.on("data", this.#onData);
    this.#incoming.on("end", this.#onEnd);
    this.#incoming.on("error", this.#onError);
    this.#incoming.on("close", this.#onClose);
  }

  #data(chunk: Uint8Array): void {
    this.#total += chunk.byteLength;
    if (this.#total > this.#limitBytes) {
      // The stream keeps flowing with nobody listening: the rest is read
      // and dropped, so the connection stays usable for the 413.
      this.#stop();
      this.#reject(overLimit(this.#limitBytes));
      return;
    }
    this.#chunks.push(chunk);
  }

  #end(): void {
    this.#stop();
    this.#resolve(concat(this.#chunks, this.#total));
  }

  #error(error: Error): void {
    this.#stop();
    this.#reject(isClientGone(error) ? clientGone() : error);
  }

  #close(): void {
    if (this.#incoming.readableEnded) {
      this.#end();
      return;
    }
    this.#stop();
    this.#reject(clientGone());
  }

  #stop(): void {
    this.#incoming.off("data", this.#onData);
    this.#incoming.off("end", this.#onEnd);
    this.#incoming.off("error", this.#onError);
    this.#incoming.off("close", this.#onClose);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A body found over the limit while reading it. */
function overLimit(limitBytes: number): ApiError {
  return tooLarge(`it has more than ${limitBytes} bytes`, limitBytes);
}

/** Not the server's failure, and no one is left to read the answer: not logged as a 500. */
function clientGone(): ApiError {
  return new ApiError(
    "IncompleteBody",
    "The client closed the connection before the whole body arrived",
  );
}

/**
 * How Node.js reports a body cut off by its client: the request stream fails with `aborted`
 * (ECONNRESET), or a web stream over it with a premature close or an abort.
 */
function isClientGone(thrown: unknown): boolean {
  if (!(thrown instanceof Error)) return false;
  const code = (thrown as { code?: unknown }).code;
  return (
    code === "ECONNRESET" ||
    code === "ECONNABORTED" ||
    code === "EPIPE" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    thrown.name === "AbortError"
  );
}

function tooLarge(what: string, limitBytes: number): ApiError {
  return new ApiError(
    "PayloadTooLarge",
    `The request body is too large: ${what}; the limit is ${limitBytes} bytes`,
    { details: { limitBytes } },
  );
}
