import type { MessageAttributeValue } from "./types.js";

/** A row of the messages table. Times are epoch milliseconds. */
export interface MessageRow {
  seq: number;
  queue_id: number;
  message_id: string;
  body: string;
  attributes: string | null;
  md5_body: string;
  md5_attributes: string | null;
  system_attributes: string | null;
  md5_system_attributes: string | null;
  sender_id: string;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  first_receive_at: number | null;
  received_at: number | null;
  receipt: string | null;
  dead_letter_source_arn: string | null;
}

type StoredAttribute = { DataType: string; StringValue?: string; BinaryValue?: string };

/** Message attributes as stored: JSON, binary values in base64. */
export function serializeAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): string | null {
  if (!attributes || Object.keys(attributes).length === 0) return null;
  const stored: Record<string, StoredAttribute> = {};
  for (const [name, value] of Object.entries(attributes)) {
    stored[name] = value.DataType.startsWith("Binary")
      ? {
          DataType: value.DataType,
          BinaryValue: Buffer.from(value.BinaryValue!).toString("base64"),
        }
      : { DataType: value.DataType, StringValue: value.StringValue! };
  }
  return JSON.stringify(stored);
}

export function deserializeAttributes(json: string | null): Record<string, MessageAttributeValue> {
  if (!json) return {};
  const stored = JSON.parse(json) as Record<string, StoredAttribute>;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(stored)) {
    out[name] =
      value.BinaryValue !== undefined
        ? {
            DataType: value.DataType,
            BinaryValue: new Uint8Array(Buffer.from(value.BinaryValue, "base64")),
          }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return out;
}
