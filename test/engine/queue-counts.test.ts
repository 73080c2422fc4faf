/**
 * Queue counts (queueStats, GetQueueAttributes' Approximate*) come from per-queue counters kept
 * in the statements that change messages, plus a scan of only the messages not visible now: they
 * must stay exact through every path that adds, deletes or moves a message, be right on a
 * database written before the counters existed, and stay exact at depth.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EngineContext } from "../../src/engine/context.js";
import { latestSchemaVersion, migrations } from "../../src/engine/db/migrations.js";
import { migrate } from "../../src/engine/db/open.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import type { QueueRecord } from "../../src/engine/sqs/queue-store.js";
import { queueCounts } from "../../src/engine/sqs/queues.js";
import { Statements } from "../../src/engine/statements.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";
import { tempDir } from "../support/temp.js";

const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;

/** The stored counters next to what the messages table holds, read with a connection of its own. */
function storedVersusCounted(path: string): { stored: unknown[]; counted: unknown[] } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      stored: db
        .prepare("SELECT queue_id, messages, moved FROM queue_counts ORDER BY queue_id")
        .all(),
      counted: db
        .prepare(
          `SELECT q.id AS queue_id, COUNT(m.seq) AS messages, COUNT(m.moved_at) AS moved
           FROM queues q LEFT JOIN messages m ON m.queue_id = q.id GROUP BY q.id ORDER BY q.id`,
        )
        .all(),
    };
  } finally {
    db.close();
  }
}

describe("queue counts", () => {
  let te: TestEngine;
  let engine: Engine;
  const stats = (name: string) => engine.queueStats(url(name));

  beforeEach(async () => {
    te = openTestEngine();
    engine = te.engine;
    await te.createQueue("dlq");
    await te.createQueue("src", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArnOf("dlq"), maxReceiveCount: 1 }),
    });
    await te.createQueue("other");
  });
  afterEach(() => te.close());

  const send = async (name: string, count: number, delaySeconds = 0) => {
    for (let i = 0; i < count; i += 10) {
      const Entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
        Id: String(j),
        MessageBody: `m${i + j}`,
        DelaySeconds: delaySeconds,
      }));
      const { Failed } = await engine.sqs.sendMessageBatch({ QueueUrl: url(name), Entries });
      expect(Failed).toEqual([]);
    }
  };

  it("stay exact through sends, receives, deletes, DLQ moves, redrives, purges, retention and DeleteQueue", async () => {
    await send("src", 25);
    await send("src", 5, 60);
    expect(await stats("src")).toMatchObject({ visible: 25, inFlight: 0, delayed: 5 });

    // Received: in flight; deleted: gone; a visibility of 0 makes one visible again.
    const { Messages = [] } = await engine.sqs.receiveMessage({
      QueueUrl: url("src"),
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
    });
    expect(Messages).toHaveLength(10);
    await engine.sqs.deleteMessageBatch({
      QueueUrl: url("src"),
      Entries: Messages.slice(0, 4).map((m, i) => ({
        Id: String(i),
        ReceiptHandle: m.ReceiptHandle,
      })),
    });
    await engine.sqs.deleteMessage({
      QueueUrl: url("src"),
      ReceiptHandle: Messages[4]!.ReceiptHandle,
    });
    await engine.sqs.changeMessageVisibility({
      QueueUrl: url("src"),
      ReceiptHandle: Messages[5]!.ReceiptHandle,
      VisibilityTimeout: 0,
    });
    expect(await stats("src")).toMatchObject({ visible: 16, inFlight: 4, delayed: 5 });

    // Time passes: the delayed become visible, the in-flight come back; a second receive of
    // each moves it to the DLQ (maxReceiveCount 1).
    await te.advance(61_000);
    expect(await stats("src")).toMatchObject({ visible: 25, inFlight: 0, delayed: 0 });
    for (let i = 0; i < 3; i++)
      await engine.sqs.receiveMessage({ QueueUrl: url("src"), MaxNumberOfMessages: 10 });
    const afterMoves = await stats("src");
    const dead = await stats("dlq");
    expect(afterMoves.visible + afterMoves.inFlight + dead.visible).toBe(25);
    expect(dead.visible).toBeGreaterThan(0);
    expect(dead.inFlight + dead.delayed).toBe(0);

    // The runtime's move to the DLQ (Unrecoverable) of a message on its first receive.
    await engine.sqs.purgeQueue({ QueueUrl: url("src") });
    await send("src", 1);
    const [held] =
      (await engine.sqs.receiveMessage({ QueueUrl: url("src"), VisibilityTimeout: 30 })).Messages ??
      [];
    await engine.moveToDeadLetterQueue({
      QueueUrl: url("src"),
      ReceiptHandle: held!.ReceiptHandle,
    });
    expect(await stats("src")).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await stats("dlq")).visible).toBe(dead.visible + 1);

    // Chosen messages back from the DLQ, then the rest by a move task.
    const [chosen] = await engine.peekMessages({ QueueUrl: url("dlq"), Limit: 1 });
    await engine.moveMessages({ SourceUrl: url("dlq"), MessageIds: [chosen!.MessageId] });
    expect((await stats("dlq")).visible).toBe(dead.visible);
    await engine.sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq") });
    await engine.whenIdle();
    expect(await stats("dlq")).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await stats("src")).toMatchObject({
      visible: dead.visible + 1,
      inFlight: 0,
      delayed: 0,
    });

    // Retention: the sweeper deletes what outlived its queue's period.
    await send("other", 7);
    await engine.sqs.setQueueAttributes({
      QueueUrl: url("other"),
      Attributes: { MessageRetentionPeriod: "60" },
    });
    expect((await stats("other")).visible).toBe(7);
    // The sweeper's own timer may run within the advance: sweep() then finds nothing left.
    await te.advance(61_000);
    await send("other", 2);
    await engine.sweep();
    expect((await stats("other")).visible).toBe(2);

    await engine.sqs.purgeQueue({ QueueUrl: url("src") });
    expect(await stats("src")).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });

    // A queue deleted with its messages and created again under the same name starts at zero.
    await engine.sqs.deleteQueue({ QueueUrl: url("other") });
    await te.createQueue("other");
    expect(await stats("other")).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
    await send("other", 3);
    const { Attributes } = await engine.sqs.getQueueAttributes({
      QueueUrl: url("other"),
      AttributeNames: ["All"],
    });
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: "3",
      ApproximateNumberOfMessagesNotVisible: "0",
      ApproximateNumberOfMessagesDelayed: "0",
    });

    const path = te.path;
    await engine.close();
    const { stored, counted } = storedVersusCounted(path);
    expect(stored).toEqual(counted);
    expect(counted).toHaveLength(3);
  });

  it("give a DLQ's oldest age from the move, and a queue's from the send", async () => {
    await send("src", 1);
    await te.advance(10_000);
    await engine.sqs.receiveMessage({ QueueUrl: url("src"), VisibilityTimeout: 0 });
    await te.advance(5_000);
    await engine.sqs.receiveMessage({ QueueUrl: url("src") });
    await send("src", 1);
    await te.advance(3_000);
    expect((await stats("dlq")).oldestMessageAgeSeconds).toBe(3);
    expect((await stats("src")).oldestMessageAgeSeconds).toBe(3);
    // A message sent straight to the DLQ beside the moved one: the older of the two counts.
    await engine.sqs.sendMessage({ QueueUrl: url("dlq"), MessageBody: "direct" });
    await te.advance(2_000);
    expect((await stats("dlq")).oldestMessageAgeSeconds).toBe(5);
    const path = te.path;
    await engine.close();
    const { stored, counted } = storedVersusCounted(path);
    expect(stored).toEqual(counted);
    expect(counted).toContainEqual({ queue_id: expect.any(Number), messages: 2, moved: 1 });
  });
});

describe("queue counts on a database written before the counters", () => {
  it("are right after the upgrade, and stay right", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, "old.db");
      const now = Date.now();
      const db = new Database(path);
      migrate(
        db,
        path,
        migrations.filter((m) => m.version <= 3),
      );
      const queue = db.prepare(
        "INSERT INTO queues (name, attributes, created_at, modified_at) VALUES (?, '{}', ?, ?)",
      );
      const main = Number(queue.run("main", now, now).lastInsertRowid);
      const dlq = Number(queue.run("main-dlq", now, now).lastInsertRowid);
      queue.run("empty", now, now);
      const message = db.prepare(
        `INSERT INTO messages (queue_id, message_id, body, md5_body, sender_id, sent_at, visible_at,
           receive_count, moved_at) VALUES (?, ?, 'b', 'x', 's', ?, ?, ?, ?)`,
      );
      let n = 0;
      const add = (queueId: number, visibleAt: number, receives: number, movedAt: number | null) =>
        message.run(queueId, `m-${n++}`, now - 1000, visibleAt, receives, movedAt);
      for (let i = 0; i < 6; i++) add(main, now - 1000, 0, null); // visible
      for (let i = 0; i < 2; i++) add(main, now + 60_000, 1, null); // in flight
      for (let i = 0; i < 3; i++) add(main, now + 60_000, 0, null); // delayed
      for (let i = 0; i < 4; i++) add(dlq, now - 500, 2, now - 500); // moved in
      db.close();

      const upgraded = createEngine({ path });
      try {
        expect(await upgraded.queueStats(url("main"))).toMatchObject({
          visible: 6,
          inFlight: 2,
          delayed: 3,
        });
        expect(await upgraded.queueStats(url("main-dlq"))).toMatchObject({ visible: 4 });
        expect(await upgraded.queueStats(url("empty"))).toMatchObject({ visible: 0 });
        await upgraded.sqs.sendMessage({ QueueUrl: url("main"), MessageBody: "new" });
        const { Messages = [] } = await upgraded.sqs.receiveMessage({
          QueueUrl: url("main"),
          MaxNumberOfMessages: 3,
        });
        await upgraded.sqs.deleteMessage({
          QueueUrl: url("main"),
          ReceiptHandle: Messages[0]!.ReceiptHandle,
        });
        expect(await upgraded.queueStats(url("main"))).toMatchObject({
          visible: 4,
          inFlight: 4,
          delayed: 3,
        });
      } finally {
        await upgraded.close();
      }
      const check = new Database(path, { readonly: true });
      expect(check.pragma("user_version", { simple: true })).toBe(latestSchemaVersion);
      check.close();
      const { stored, counted } = storedVersusCounted(path);
      expect(stored).toEqual(counted);
    } finally {
      cleanup();
    }
  });
});

describe("queue counts at depth", () => {
  const DEPTH = 200_000;

  it(`are exact for a queue and a DLQ ${DEPTH.toLocaleString("en-US")} deep, read by index searches`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, "deep.db");
      const setup = createEngine({ path });
      await setup.sqs.createQueue({ QueueName: "deep" });
      await setup.sqs.createQueue({ QueueName: "deep-dlq" });
      await setup.close();
      // Straight into the table: DEPTH visible messages in one queue, DEPTH moved-in ones in
      // the other, a few in flight and delayed in each.
      const db = new Database(path);
      const now = Date.now();
      const fill = db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
         INSERT INTO messages (queue_id, message_id, body, md5_body, sender_id, sent_at, visible_at,
           receive_count, moved_at)
         SELECT q.id, q.name || '-' || i, 'b', 'x', 's', @now - 1000 + i % 1000,
           CASE WHEN i % 20000 = 0 THEN @now + 60000 ELSE @now - 1 END,
           CASE WHEN i % 40000 = 0 THEN 1 ELSE 0 END,
           CASE WHEN q.name = 'deep-dlq' THEN @now - 100 END
         FROM queues q, n`,
      );
      db.transaction(() => fill.run({ count: DEPTH, now }))();
      db.close();

      const engine = createEngine({ path });
      try {
        for (const name of ["deep", "deep-dlq"]) {
          const expected = { visible: DEPTH - 10, inFlight: 5, delayed: 5 };
          expect(await engine.queueStats(url(name))).toMatchObject(expected);
        }
      } finally {
        await engine.close();
      }

      // What a read costs is measured by bench:stats (1,000,000 deep, polled under load); here,
      // what SQLite plans for it: every statement queueCounts runs is an index search, none a
      // scan of the messages table.
      const read = new Database(path, { readonly: true });
      try {
        const real = new Statements(read);
        const seen = new Set<string>();
        const stmts = {
          get(sql: string) {
            seen.add(sql);
            return real.get(sql);
          },
        };
        const ctx = { stmts } as unknown as EngineContext;
        for (const name of ["deep", "deep-dlq"]) {
          const queue = read.prepare("SELECT id FROM queues WHERE name = ?").get(name) as {
            id: number;
          };
          const counts = queueCounts(ctx, queue as QueueRecord, now);
          expect(counts).toMatchObject({ visible: DEPTH - 10, inFlight: 5, delayed: 5 });
        }
        expect(seen.size).toBeGreaterThan(0);
        for (const sql of seen) {
          const params = Array.from(sql.matchAll(/\?/g), () => 0);
          const plan = read.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
            detail: string;
          }[];
          const details = plan.map((step) => step.detail);
          expect(
            details.some((d) => /^SCAN (messages|m)\b/.test(d)),
            `${sql}: ${details}`,
          ).toBe(false);
        }
      } finally {
        read.close();
      }
    } finally {
      cleanup();
    }
  }, 60_000);
});
