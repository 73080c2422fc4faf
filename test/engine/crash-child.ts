/**
 * The process crash.test.ts kills. It opens the engine on the database file it is given
 * (durability "full", the default) and runs several workers at once, so their writes share
 * group commits: sends (single and batched), receives, and deletes of part of what was received.
 * Lines on stdout:
 * - `S <messageId>` after a send resolved;
 * - `P <messageId>` before a delete is issued: from then on the message may be gone, even if the
 *   kill comes before the delete resolves;
 * - `D <messageId> <visibilityTimeout>` after a delete resolved, with the VisibilityTimeout of
 *   the receive that gave the handle. With <heldSeconds> nobody else can receive the message
 *   during the test, so that handle is current and the message must be gone; with 0 or 1 another
 *   worker may have received it since, and SQS lets a stale delete succeed without deleting.
 * It runs until SIGKILL; it exits on its own only if the parent goes away (stdin closes) or
 * something fails.
 *
 * Usage: node --import tsx test/engine/crash-child.ts <dbPath> <seed> <heldSeconds>
 */
import { writeSync } from "node:fs";
import { createEngine } from "../../src/engine/index.js";

const WORKERS = 6;
const QUEUE_NAME = "crash";
/** A safety net: a child the parent forgot must not outlive the test run. */
const MAX_LIFETIME_MS = 60_000;

const [dbPath, seedArg, heldArg] = process.argv.slice(2);
if (!dbPath || !seedArg || !heldArg) {
  process.stderr.write("usage: crash-child.ts <dbPath> <seed> <heldSeconds>\n");
  process.exit(2);
}
/** A VisibilityTimeout longer than the whole test: nobody receives the message again there. */
const HELD_SECONDS = Number(heldArg);

/** mulberry32: small, seedable, good enough to pick operations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = prng(Number(seedArg));
const pick = (n: number) => Math.floor(random() * n);

/**
 * Writes straight to fd 1, synchronously: when a call resolves, its line is in the pipe before
 * anything else runs, so a kill can lose a line only for a call that has not resolved yet.
 * One write per call keeps a batch's lines together (a pipe write under 4 KiB is atomic).
 */
function emit(text: string): void {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(1, buffer, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
  }
}

function fail(error: unknown): never {
  process.stderr.write(`crash-child failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
}

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();

const engine = createEngine({ path: dbPath });
const { QueueUrl } = await engine.sqs.createQueue({ QueueName: QUEUE_NAME });
let counter = 0;

async function send(): Promise<void> {
  const count = 1 + pick(10);
  if (count === 1) {
    const { MessageId } = await engine.sqs.sendMessage({ QueueUrl, MessageBody: `m${counter++}` });
    emit(`S ${MessageId}\n`);
    return;
  }
  const Entries = Array.from({ length: count }, (_, i) => ({
    Id: String(i),
    MessageBody: `m${counter++}`,
  }));
  const { Successful, Failed } = await engine.sqs.sendMessageBatch({ QueueUrl, Entries });
  if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed)}`);
  emit(Successful.map((entry) => `S ${entry.MessageId}\n`).join(""));
}

async function receiveAndDelete(): Promise<void> {
  const visibility = [0, 1, HELD_SECONDS][pick(3)]!;
  const { Messages = [] } = await engine.sqs.receiveMessage({
    QueueUrl,
    MaxNumberOfMessages: 10,
    // 0 makes messages visible again at once, so concurrent workers receive the same message
    // and some deletes carry a stale handle (they succeed without deleting, as on SQS).
    VisibilityTimeout: visibility,
  });
  const chosen = Messages.filter(() => random() < 0.7);
  if (chosen.length === 0) return;
  emit(chosen.map((message) => `P ${message.MessageId}\n`).join(""));
  if (chosen.length === 1) {
    const message = chosen[0]!;
    await engine.sqs.deleteMessage({ QueueUrl, ReceiptHandle: message.ReceiptHandle });
    emit(`D ${message.MessageId} ${visibility}\n`);
    return;
  }
  const { Successful, Failed } = await engine.sqs.deleteMessageBatch({
    QueueUrl,
    Entries: chosen.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
  });
  if (Failed.length > 0) throw new Error(`delete failed: ${JSON.stringify(Failed)}`);
  emit(
    Successful.map((entry) => `D ${chosen[Number(entry.Id)]!.MessageId} ${visibility}\n`).join(""),
  );
}

async function worker(): Promise<void> {
  for (;;) {
    if (random() < 0.45) await send();
    else await receiveAndDelete();
  }
}

for (let i = 0; i < WORKERS; i++) worker().catch(fail);
