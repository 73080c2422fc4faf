import { randomBytes } from "node:crypto";

/** What a receipt handle points at: one receive of one message in one queue. */
export interface Receipt {
  queueId: number;
  seq: number;
  token: string;
}

/** A fresh token per receive: a handle from an earlier receive no longer matches. */
export function newReceiptToken(): string {
  return randomBytes(12).toString("base64url");
}

export function encodeReceiptHandle(receipt: Receipt): string {
  return Buffer.from(`${receipt.queueId}.${receipt.seq}.${receipt.token}`, "utf8").toString(
    "base64url",
  );
}

/** Undefined for anything that is not a handle this engine issued. */
export function decodeReceiptHandle(handle: unknown): Receipt | undefined {
  if (typeof handle !== "string" || handle.length === 0 || handle.length > 1024) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(handle)) return undefined;
  const match = /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{16})$/.exec(
    Buffer.from(handle, "base64url").toString("utf8"),
  );
  if (!match) return undefined;
  return { queueId: Number(match[1]), seq: Number(match[2]), token: match[3]! };
}
