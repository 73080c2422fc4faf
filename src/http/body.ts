import { quote } from "./describe.js";
import { ApiError } from "./errors.js";

/**
 * Checks that a request says its body is JSON: `application/json`, with
 * `charset=utf-8` or no charset (RFC 8259 §8.1: JSON exchanged between
 * systems is UTF-8). Other parameters are ignored.
 *
 * @throws ApiError UnsupportedMediaType naming what came, or that nothing did.
 */
export function requireJsonContentType(request: Request): void {
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
 * Reads a request body, refusing it once it is over `limitBytes`: up front
 * when Content-Length says so, and by counting while reading, so an absent
 * or lying Content-Length (chunked bodies) is caught too. Never holds more
 * than `limitBytes` of it.
 *
 * @throws ApiError PayloadTooLarge
 */
export async function readBodyBytes(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > limitBytes) {
    throw tooLarge(`its Content-Length is ${Number(declared)} bytes`, limitBytes);
  }
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
        throw tooLarge(`it has more than ${limitBytes} bytes`, limitBytes);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(what: string, limitBytes: number): ApiError {
  return new ApiError(
    "PayloadTooLarge",
    `The request body is too large: ${what}; the limit is ${limitBytes} bytes`,
    { details: { limitBytes } },
  );
}
