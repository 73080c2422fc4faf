import { hash } from "node:crypto";
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
  // One buffer for all fields, one hash call: attributes are hashed on every send.
  const fields: Array<{ name: Buffer; type: Buffer; transport: number; value: Buffer }> = [];
  let size = 0;
  for (const name of names) {
    const attribute = attributes[name]!;
    const binary = attribute.DataType.startsWith("Binary");
    const field = {
      name: Buffer.from(name, "utf8"),
      type: Buffer.from(attribute.DataType, "utf8"),
      transport: binary ? BINARY_TRANSPORT : STRING_TRANSPORT,
      value: binary
        ? Buffer.from(attribute.BinaryValue ?? new Uint8Array())
        : Buffer.from(attribute.StringValue ?? "", "utf8"),
    };
    fields.push(field);
    size += 13 + field.name.length + field.type.length + field.value.length;
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const field of fields) {
    at = putLengthPrefixed(bytes, at, field.name);
    at = putLengthPrefixed(bytes, at, field.type);
    at = bytes.writeUInt8(field.transport, at);
    at = putLengthPrefixed(bytes, at, field.value);
  }
  return hash("md5", bytes, "hex");
}

const REMEMBERED_ATTRIBUTE_SETS = 256;
const md5ByStoredAttributes = new Map<string, string>();

/**
 * md5OfAttributes of a message's attributes, given also as their stored JSON
 * (serializeAttributes), which names every attribute with its type and value:
 * the MD5s of the last few hundred distinct sets are kept by that JSON, since
 * a job's messages mostly carry the same attributes (its name) and each send
 * would hash them again. Forgets all when full: a stream of distinct sets
 * costs what hashing each does.
 */
export function md5OfStoredAttributes(
  stored: string | null,
  attributes: Record<string, MessageAttributeValue> | undefined,
): string | undefined {
  if (stored === null) return undefined;
  let md5 = md5ByStoredAttributes.get(stored);
  if (md5 === undefined) {
    md5 = md5OfAttributes(attributes);
    if (md5 === undefined) return undefined;
    if (md5ByStoredAttributes.size >= REMEMBERED_ATTRIBUTE_SETS) md5ByStoredAttributes.clear();
    md5ByStoredAttributes.set(stored, md5);
  }
  return md5;
}

function putLengthPrefixed(into: Buffer, at: number, field: Buffer): number {
  const next = into.writeUInt32BE(field.length, at);
  return next + field.copy(into, next);
}
