/**
 * NextToken of the engine's list actions: base64 of `{"after": <last key>}`.
 * Opaque to clients; each API answers a bad token with its own error.
 */
export function encodePageToken(after: string | number): string {
  return Buffer.from(JSON.stringify({ after }), "utf8").toString("base64");
}

/** The key a token continues after, or undefined when it is not one of ours. */
export function decodePageToken(token: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { after?: unknown }).after;
  } catch {
    return undefined;
  }
}
