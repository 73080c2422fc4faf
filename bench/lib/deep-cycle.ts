import type { Engine } from "../../src/engine/index.js";
import { nowMs } from "./stats.js";

export const DEEP_QUEUE_NAME = "deep";

/** Milliseconds of each call of one receive → delete → send cycle. */
export interface CycleTimes {
  receive: number;
  delete: number;
  send: number;
}

/**
 * One consumer's step on a deep queue: receive one message, delete it, send one, so the queue
 * stays at its depth however many cycles run.
 */
export async function cycle(engine: Engine, queueUrl: string, i: number): Promise<CycleTimes> {
  const t0 = nowMs();
  const { Messages = [] } = await engine.sqs.receiveMessage({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 1,
    VisibilityTimeout: 300,
  });
  const t1 = nowMs();
  const message = Messages[0];
  if (!message) throw new Error("the queue ran dry");
  await engine.sqs.deleteMessage({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle });
  const t2 = nowMs();
  await engine.sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: `{"cycle":${i}}` });
  const t3 = nowMs();
  return { receive: t1 - t0, delete: t2 - t1, send: t3 - t2 };
}
