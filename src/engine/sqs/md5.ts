import { createHash, hash } from "node:crypto";
import type { MessageAttributeValue } from "./types.js";

/** MD5 of a string's UTF-8 bytes, hex (crypto.hash: one call, no Hash object). */
export function md5Hex(text: string): string {
  return hash("md5", text, "hex");
}

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

/**
 * MD5OfMessageAttributes exactly as SQS computes it (and as the AWS SDKs
 * verify it): attributes sorted by name; for each, the name, the data type,
 * a transport byte (1 = String/Number, 2 = Binary) and the value, every
 * variable-length field prefixed by its byte length as a 4-byte big-endian int.
 * The same encoding gives MD5OfMessageSystemAttributes.
 */
export function md5OfAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): string | undefined {
  if (!attributes) return undefined;
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash("md5");
  for (const name of names) {
    const value = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, "utf8")));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, "utf8")));
    if (value.DataType.startsWith("Binary")) {
      hash.update(Buffer.of(BINARY_TRANSPORT));
      hash.update(lengthPrefixed(Buffer.from(value.BinaryValue ?? new Uint8Array())));
    } else {
      hash.update(Buffer.of(STRING_TRANSPORT));
      hash.update(lengthPrefixed(Buffer.from(value.StringValue ?? "", "utf8")));
    }
  }
  return hash.digest("hex");
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([prefix, bytes]);
}
