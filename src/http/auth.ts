import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.js";

const encoder = new TextEncoder();

/**
 * Requires `Authorization: Bearer <apiKey>`. The key is compared by its
 * SHA-256 digest in constant time, so neither its content nor its length
 * shows in the response time.
 *
 * @throws ApiError Unauthorized, with `WWW-Authenticate: Bearer` (RFC 6750 §3).
 */
export function bearerAuth(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header === undefined || header.trim() === "") {
      throw unauthorized(
        "This API needs an API key: send `Authorization: Bearer <key>`; the request has no Authorization header",
        'Bearer realm="offload"',
      );
    }
    const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(header);
    const scheme = match?.[1] ?? header.trim().split(/\s+/)[0] ?? "";
    if (scheme.toLowerCase() !== "bearer") {
      throw unauthorized(
        `This API needs \`Authorization: Bearer <key>\`; got the ${JSON.stringify(scheme.slice(0, 20))} scheme`,
        'Bearer realm="offload"',
      );
    }
    const token = match?.[2];
    if (token === undefined) {
      throw unauthorized(
        "This API needs `Authorization: Bearer <key>`; the Bearer header has no key",
        'Bearer realm="offload", error="invalid_request"',
      );
    }
    if (!equalDigests(await digest(token), await expected)) {
      throw unauthorized(
        "The API key in the Authorization header is not valid",
        'Bearer realm="offload", error="invalid_token"',
      );
    }
    await next();
  };
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compares two digests of equal length without an early exit. */
function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

function unauthorized(message: string, challenge: string): ApiError {
  return new ApiError("Unauthorized", message, { headers: { "WWW-Authenticate": challenge } });
}
