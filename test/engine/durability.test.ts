import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { Committer, MAX_GROWTH_TURNS } from "../../src/engine/committer.js";
import { latestSchemaVersion } from "../../src/engine/db/migrations.js";
import { openDatabase } from "../../src/engine/db/open.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { flushEvents } from "../support/engine.js";
import { tempDir } from "../support/temp.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function dbPath(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, "app.db");
}

function open(path: string, clock = new TestClock()): Engine {
  const engine = createEngine({ path, clock });
  cleanups.push(() => engine.close());
  return engine;
}

const repoRoot = resolve(import.meta.dirname, "../..");
const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;

describe("durability", () => {
  it("keeps queues, messages, in-flight state, topics and subscriptions across a reopen", async () => {
    const path = dbPath();
    const clock = new TestClock();
    const first = createEngine({ path, clock });
    await first.sqs.createQueue({ QueueName: "kept", Attributes: { VisibilityTimeout: "60" } });
    await first.sqs.sendMessageBatch({
      QueueUrl: url("kept"),
      Entries: [
        { Id: "a", MessageBody: "A" },
        { Id: "b", MessageBody: "B" },
      ],
    });
    const { Messages = [] } = await first.sqs.receiveMessage({ QueueUrl: url("kept") });
    const { TopicArn } = await first.sns.createTopic({ Name: "jobs" });
    await first.sns.subscribe({
      TopicArn,
      Protocol: "sqs",
      Endpoint: "arn:aws:sqs:us-east-1:000000000000:kept",
    });
    await first.close();

    const second = open(path, clock);
    expect(await second.queueStats(url("kept"))).toEqual({
      visible: 1,
      inFlight: 1,
      delayed: 0,
      oldestMessageAgeSeconds: 0,
    });
    await second.sqs.deleteMessage({
      QueueUrl: url("kept"),
      ReceiptHandle: Messages[0]!.ReceiptHandle,
    });
    expect((await second.queueStats(url("kept"))).inFlight).toBe(0);
    expect((await second.sns.listSubscriptionsByTopic({ TopicArn })).Subscriptions).toHaveLength(1);
  });

  it("commits the writes of one event-loop turn in one transaction", async () => {
    const engine = open(dbPath());
    await engine.sqs.createQueue({ QueueName: "group" });
    const before = engine.commitStats();
    const sends = Array.from({ length: 50 }, (_, i) =>
      engine.sqs.sendMessage({ QueueUrl: url("group"), MessageBody: `m${i}` }),
    );
    await Promise.all(sends);
    const after = engine.commitStats();
    expect(after.groups - before.groups).toBe(1);
    expect(after.ops - before.ops).toBe(50);
  });

  describe("a group that will be synced waits while it grows", () => {
    const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

    /** One op per event-loop turn for `turns` turns; the group each op committed in. */
    async function opPerTurn(committer: Committer, turns: number, durable: boolean) {
      const groupOf: Array<Promise<number>> = [];
      for (let i = 0; i < turns; i++) {
        groupOf.push(committer.run(() => committer.stats.groups, { durable }));
        await nextTurn();
      }
      return Promise.all(groupOf);
    }

    function committer(durability: "full" | "relaxed"): Committer {
      const db = openDatabase(dbPath(), durability);
      cleanups.push(() => {
        db.close();
      });
      return new Committer(db, durability === "full");
    }

    it("ops arriving in the turns after a send share its sync, up to MAX_GROWTH_TURNS turns", async () => {
      const c = committer("full");
      // A new turn's op extends the wait; the (MAX_GROWTH_TURNS + 1)th turn commits.
      const groups = await opPerTurn(c, 2 * (MAX_GROWTH_TURNS + 1), true);
      const first = groups[0]!;
      expect(groups).toEqual([
        ...Array<number>(MAX_GROWTH_TURNS + 1).fill(first),
        ...Array<number>(MAX_GROWTH_TURNS + 1).fill(first + 1),
      ]);
      expect(c.stats).toEqual({ groups: first + 2, ops: 2 * (MAX_GROWTH_TURNS + 1) });
    });

    it("a lone send commits after one quiet turn", async () => {
      const c = committer("full");
      let settled = false;
      const sent = c
        .run(() => "sent")
        .then(() => {
          settled = true;
        });
      await nextTurn();
      expect(settled).toBe(false);
      await nextTurn();
      await sent;
      expect(c.stats.groups).toBe(1);
    });

    it("groups of only receives and deletes, and every group with relaxed durability, commit at once", async () => {
      const receives = await opPerTurn(committer("full"), 4, false);
      expect(new Set(receives).size).toBe(4);
      const relaxed = await opPerTurn(committer("relaxed"), 4, true);
      expect(new Set(relaxed).size).toBe(4);
    });
  });

  it("syncs groups holding a send; commits groups of only receives and deletes without waiting for the disk", () => {
    const db = openDatabase(dbPath(), "full");
    cleanups.push(() => {
      db.close();
    });
    const committer = new Committer(db, true);
    const sync = () => db.pragma("synchronous", { simple: true });
    committer.run(() => 1, { durable: false });
    committer.flush();
    expect(sync()).toBe(1);
    committer.run(() => 1, { durable: false });
    committer.run(() => 2);
    committer.flush();
    expect(sync()).toBe(2);
    const relaxed = new Committer(db, false);
    db.pragma("synchronous = NORMAL");
    relaxed.run(() => 3);
    relaxed.flush();
    expect(sync()).toBe(1);
  });

  it("rolls back only the failing operation of a group", async () => {
    const engine = open(dbPath());
    await engine.sqs.createQueue({ QueueName: "mixed" });
    await engine.sqs.createQueue({ QueueName: "doomed" });
    const ok = engine.sqs.sendMessage({ QueueUrl: url("mixed"), MessageBody: "kept" });
    const deleted = engine.sqs.deleteQueue({ QueueUrl: url("doomed") });
    const late = engine.sqs.sendMessage({ QueueUrl: url("doomed"), MessageBody: "lost" });
    const alsoOk = engine.sqs.sendMessage({ QueueUrl: url("mixed"), MessageBody: "kept too" });
    await expect(ok).resolves.toHaveProperty("MessageId");
    await deleted;
    await expect(late).rejects.toMatchObject({ code: "AWS.SimpleQueueService.NonExistentQueue" });
    await expect(alsoOk).resolves.toHaveProperty("MessageId");
    expect((await engine.queueStats(url("mixed"))).visible).toBe(2);
  });

  it("resumes a running message move task after a reopen", async () => {
    const path = dbPath();
    const clock = new TestClock();
    const first = createEngine({ path, clock });
    await first.sqs.createQueue({ QueueName: "dlq" });
    await first.sqs.createQueue({
      QueueName: "src",
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
          maxReceiveCount: 1,
        }),
      },
    });
    for (let i = 0; i < 3; i++)
      await first.sqs.sendMessage({ QueueUrl: url("dlq"), MessageBody: `m${i}` });
    await first.sqs.startMessageMoveTask({
      SourceArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
      DestinationArn: "arn:aws:sqs:us-east-1:000000000000:src",
      MaxNumberOfMessagesPerSecond: 1,
    });
    clock.advance(1000);
    await flushEvents();
    await first.close();

    const second = open(path, clock);
    expect((await second.queueStats(url("src"))).visible).toBe(1);
    clock.advance(2000);
    await flushEvents();
    clock.advance(1000);
    await flushEvents();
    expect((await second.queueStats(url("src"))).visible).toBe(3);
  });
});

describe("schema and pragmas", () => {
  it("opens in WAL mode with synchronous FULL by default and NORMAL when relaxed", () => {
    const path = dbPath();
    const full = openDatabase(path, "full");
    expect(full.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(full.pragma("synchronous", { simple: true })).toBe(2);
    full.close();
    const relaxed = openDatabase(path, "relaxed");
    expect(relaxed.pragma("synchronous", { simple: true })).toBe(1);
    relaxed.close();
  });

  it("migrates a new file to the latest schema version", () => {
    const path = dbPath();
    openDatabase(path, "full").close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(latestSchemaVersion);
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    raw.close();
  });

  it("refuses a database written by a newer offload, and leaves it untouched", () => {
    const path = dbPath();
    openDatabase(path, "full").close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${latestSchemaVersion + 1}`);
    raw.close();
    expect(() => createEngine({ path })).toThrow(
      new RegExp(
        `Database .*app\\.db has schema version ${latestSchemaVersion + 1}, but this offload knows versions up to ${latestSchemaVersion}: it was written by a newer offload\\.`,
      ),
    );
    const check = new Database(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(latestSchemaVersion + 1);
    check.close();
  });

  it("keeps the file to itself while open, in this process and from another, and lets go at close", async () => {
    const path = dbPath();
    const first = createEngine({ path });
    await first.sqs.createQueue({ QueueName: "mine" });
    const inUse =
      /Database .*app\.db is in use by another process \(another offload dev or start\?\): stop it, or use another database file/;
    expect(() => createEngine({ path })).toThrow(inUse);
    // A second process, as a second `offload start` on the same file would be.
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import { createEngine } from ${JSON.stringify(join(repoRoot, "src/engine/index.ts"))};
         try { createEngine({ path: ${JSON.stringify(path)} }); process.exit(0); }
         catch (e) { console.error(e.code + ": " + e.message); process.exit(3); }`,
      ],
      { encoding: "utf8", cwd: repoRoot },
    );
    expect(child.status).toBe(3);
    expect(child.stderr).toMatch(new RegExp(`DatabaseInUse: ${inUse.source}`));
    await first.close();
    const second = open(path);
    expect((await second.sqs.listQueues()).QueueUrls).toEqual([url("mine")]);
  });
});
