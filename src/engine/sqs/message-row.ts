import { JOB_ID_ATTRIBUTE } from "../../core/job-id.js";
import type { MessageAttributeValue, ReceivedAttributeValue } from "./types.js";

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
  message_group_id: string | null;
  /** The job it carries, in a tracked job queue or its DLQ (see jobs/hooks.ts). */
  job_id: string | null;
}

/** What a receive reads of a message row: every column but the ones it only writes. */
export type ClaimRow = Pick<
  MessageRow,
  | "seq"
  | "message_id"
  | "body"
  | "attributes"
  | "md5_body"
  | "md5_attributes"
  | "system_attributes"
  | "sender_id"
  | "sent_at"
  | "receive_count"
  | "first_receive_at"
  | "dead_letter_source_arn"
  | "message_group_id"
>;

/** The columns of a ClaimRow, in the order `claimRowOf` reads them. */
export const CLAIM_COLUMNS =
  "seq, message_id, body, attributes, md5_body, md5_attributes, system_attributes, sender_id, " +
  "sent_at, receive_count, first_receive_at, dead_letter_source_arn, message_group_id";

/**
 * A row from a raw statement selecting CLAIM_COLUMNS. Raw rows (arrays) and only the columns
 * a receive needs: better-sqlite3 sets a row's values one by one, and that was most of the
 * cost of selecting a batch.
 */
export function claimRowOf(v: unknown[]): ClaimRow {
  return {
    seq: v[0] as number,
    message_id: v[1] as string,
    body: v[2] as string,
    attributes: v[3] as string | null,
    md5_body: v[4] as string,
    md5_attributes: v[5] as string | null,
    system_attributes: v[6] as string | null,
    sender_id: v[7] as string,
    sent_at: v[8] as number,
    receive_count: v[9] as number,
    first_receive_at: v[10] as number | null,
    dead_letter_source_arn: v[11] as string | null,
    message_group_id: v[12] as string | null,
  };
}

type StoredAttribute = { DataType: string; StringValue?: string; BinaryValue?: string };

/** Message attributes as stored: JSON, binary values in base64. */
export function serializeAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): string | null {
  if (!attributes || Object.keys(attributes).length === 0) return null;
  // No prototype here or below: an attribute named `__proto__` is kept like any other (SQS allows the name).
  const stored: Record<string, StoredAttribute> = Object.create(null);
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
  const out: Record<string, MessageAttributeValue> = Object.create(null);
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

/**
 * Stored message attributes as a ReceivedMessage carries them. The messages of a queue mostly
 * carry the same attributes (a job's name, say), so the last distinct text is parsed once and
 * its result, frozen, serves every message that repeats it. A job's message also carries its
 * own `jobId`, which no other message repeats: the text around that id's value is parsed once
 * the same way, and each message gets an object of its own (not frozen: no other message holds
 * it) with its id and the shared frozen values of the rest. In a micro-benchmark this took a
 * third off the 1.5 to 3 µs a job's message cost when its text was parsed whole.
 */
export function receivedAttributes(
  json: string | null,
): Readonly<Record<string, Readonly<ReceivedAttributeValue>>> {
  if (!json) return NO_ATTRIBUTES;
  if (json === last.json) return last.attributes;
  const jobId = jobIdValue(json);
  if (jobId === undefined) {
    const parsed = parseAttributes(json);
    // A Uint8Array cannot be frozen: binary attributes are never shared.
    if (parsed.shareable) last = { json, attributes: parsed.attributes };
    return parsed.attributes;
  }
  const cached = lastAround;
  if (
    json.length - (jobId.end - jobId.start) !== cached.length ||
    !json.startsWith(cached.before) ||
    !json.endsWith(cached.after)
  ) {
    const before = json.slice(0, jobId.start);
    const after = json.slice(jobId.end);
    const parsed = parseAttributes(before + after);
    if (!parsed.shareable) return parseAttributes(json).attributes;
    lastAround = {
      before,
      after,
      length: before.length + after.length,
      attributes: parsed.attributes,
    };
  }
  const out: Record<string, Readonly<ReceivedAttributeValue>> = Object.create(null);
  const shared = lastAround.attributes;
  for (const name in shared) {
    out[name] =
      name === JOB_ID_ATTRIBUTE
        ? { dataType: "String", stringValue: json.slice(jobId.start, jobId.end) }
        : shared[name]!;
  }
  return out;
}

/** How serializeAttributes writes a `jobId` attribute, up to its value. */
const JOB_ID_PREFIX = `"${JOB_ID_ATTRIBUTE}":{"DataType":"String","StringValue":"`;

/**
 * Where the value of the `jobId` attribute lies in stored attributes' text, if it is there as
 * serializeAttributes writes it and needs no unescaping; undefined otherwise (the text is then
 * parsed whole). The prefix's quotes are unescaped, so it cannot be the inside of a string; the
 * character before it must open an entry.
 */
function jobIdValue(json: string): { start: number; end: number } | undefined {
  const at = json.indexOf(JOB_ID_PREFIX);
  if (at < 1 || (json[at - 1] !== "{" && json[at - 1] !== ",")) return undefined;
  const start = at + JOB_ID_PREFIX.length;
  const end = json.indexOf('"', start);
  if (end < 0 || json.charCodeAt(end + 1) !== 125 /* } */) return undefined;
  if (json.lastIndexOf("\\", end) >= start) return undefined;
  return { start, end };
}

function parseAttributes(json: string): {
  attributes: Readonly<Record<string, Readonly<ReceivedAttributeValue>>>;
  shareable: boolean;
} {
  const stored = JSON.parse(json) as Record<string, StoredAttribute>;
  const out: Record<string, ReceivedAttributeValue> = Object.create(null);
  let binary = false;
  for (const name in stored) {
    const value = stored[name]!;
    if (value.BinaryValue !== undefined) {
      binary = true;
      out[name] = {
        dataType: value.DataType,
        binaryValue: new Uint8Array(Buffer.from(value.BinaryValue, "base64")),
      };
    } else {
      out[name] = Object.freeze({ dataType: value.DataType, stringValue: value.StringValue ?? "" });
    }
  }
  return binary
    ? { attributes: out, shareable: false }
    : { attributes: Object.freeze(out), shareable: true };
}

const NO_ATTRIBUTES: Readonly<Record<string, never>> = Object.freeze({});
type Cached = {
  json: string | undefined;
  attributes: Readonly<Record<string, Readonly<ReceivedAttributeValue>>>;
};
let last: Cached = { json: undefined, attributes: NO_ATTRIBUTES };
/** The text around the last `jobId` value seen (see receivedAttributes), parsed. */
let lastAround: {
  before: string;
  after: string;
  length: number;
  attributes: Readonly<Record<string, Readonly<ReceivedAttributeValue>>>;
} = { before: "", after: "", length: -1, attributes: NO_ATTRIBUTES };
