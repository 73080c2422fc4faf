import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { latestSchemaVersion, migrations } from "../../src/engine/db/migrations.js";
import { migrate } from "../../src/engine/db/open.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { MOVE_CHUNK } from "../../src/engine/sqs/inspect.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";
import { tempDir } from "../support/temp.js";

let te: TestEngine;
let engine: Engine;
const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;

beforeEach(async () => {
  te = openTestEngine();
  engine = te.engine;
  await engine.sqs.createQueue({ QueueName: "dlq" });
  await engine.sqs.createQueue({
    QueueName: "src",
    Attributes: {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArnOf("dlq"), maxReceiveCount: 1 }),
    },
  });
});
afterEach(() => te.close());

/** Sends `bodies` to src and lets each fail into the DLQ. */
async function deadLetter(bodies: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    ids.push((await engine.sqs.sendMessage({ QueueUrl: url("src"), MessageBody: body })).MessageId);
    await te.advance(1000);
  }
  for (let i = 0; i < bodies.length; i++)
    await engine.sqs.receiveMessage({ QueueUrl: url("src"), VisibilityTimeout: 0 });
  await engine.sqs.receiveMessage({ QueueUrl: url("src"), MaxNumberOfMessages: 10 });
  return ids;
}

describe("peekMessages", () => {
  it("reads DLQ messages oldest first without receiving them, with their errors", async () => {
    const ids = await deadLetter(["a", "b", "c"]);
    await engine.noteError(ids[1]!, "Error: first");
    await engine.noteError(ids[1]!, "Error: second");
    await engine.noteError(ids[1]!, "Error: last");
    const peeked = await engine.peekMessages({ QueueUrl: url("dlq"), Limit: 2 });
    expect(peeked.map((m) => m.Body)).toEqual(["a", "b"]);
    expect(peeked[1]).toMatchObject({
      MessageId: ids[1],
      ReceiveCount: 1,
      FirstError: "Error: first",
      LastError: "Error: last",
    });
    expect(peeked[0]).toMatchObject({
      FirstError: undefined,
      DeadLetterQueueSourceArn: sqsArnOf("src"),
    });
    expect(await engine.queueStats(url("dlq"))).toMatchObject({ visible: 3, inFlight: 0 });
  });
});

describe("moveMessages", () => {
  it("moves chosen DLQ messages back to their source as new messages", async () => {
    const ids = await deadLetter(["a", "b", "c"]);
    expect(
      await engine.moveMessages({
        SourceUrl: url("dlq"),
        MessageIds: [ids[0]!, ids[2]!, "not-there"],
      }),
    ).toEqual({ moved: 2, notMoved: ["not-there"] });
    expect((await engine.queueStats(url("dlq"))).visible).toBe(1);
    const back = await engine.peekMessages({ QueueUrl: url("src") });
    expect(back.map((m) => m.Body).sort()).toEqual(["a", "c"]);
    expect(back.every((m) => !ids.includes(m.MessageId) && m.ReceiveCount === 0)).toBe(true);
  });

  it("moves everything when no ids are given, to a chosen queue", async () => {
    await deadLetter(["a", "b"]);
    await engine.sqs.createQueue({ QueueName: "elsewhere" });
    expect(
      await engine.moveMessages({ SourceUrl: url("dlq"), DestinationUrl: url("elsewhere") }),
    ).toEqual({ moved: 2, notMoved: [] });
    expect((await engine.queueStats(url("elsewhere"))).visible).toBe(2);
  });

  it("moves a DLQ larger than one chunk commit by commit, and only what it held at the start", async () => {
    await engine.sqs.createQueue({ QueueName: "elsewhere" });
    const total = MOVE_CHUNK * 2 + 500;
    for (let sent = 0; sent < total; sent += 10) {
      await engine.sqs.sendMessageBatch({
        QueueUrl: url("dlq"),
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: `m${sent + i}`,
        })),
      });
    }
    const before = engine.commitStats().groups;
    const moving = engine.moveMessages({ SourceUrl: url("dlq"), DestinationUrl: url("elsewhere") });
    // Sent after the move began: commits with its first chunk, long before the move ends, and
    // stays in the DLQ although later chunks read past it.
    const other = engine.sqs.sendMessage({ QueueUrl: url("dlq"), MessageBody: "meanwhile" });
    let movedWhenOtherSettled: number | undefined;
    await other.then(async () => {
      movedWhenOtherSettled = (await engine.queueStats(url("elsewhere"))).visible;
    });
    expect((await moving).moved).toBe(total);
    expect(movedWhenOtherSettled).toBe(MOVE_CHUNK);
    expect(engine.commitStats().groups - before).toBe(3);
    expect((await engine.peekMessages({ QueueUrl: url("dlq") })).map((m) => m.Body)).toEqual([
      "meanwhile",
    ]);
    expect((await engine.queueStats(url("elsewhere"))).visible).toBe(total);
  });

  it("wakes a receive waiting on the destination", async () => {
    const [id] = await deadLetter(["wake"]);
    const waiting = engine.sqs.receiveMessage({ QueueUrl: url("src"), WaitTimeSeconds: 20 });
    await engine.moveMessages({ SourceUrl: url("dlq"), MessageIds: [id!] });
    expect((await waiting).Messages?.[0]?.Body).toBe("wake");
  });
});

describe("notes", () => {
  it("are swept once their message is gone", async () => {
    const { MessageId } = await engine.sqs.sendMessage({ QueueUrl: url("src"), MessageBody: "x" });
    await engine.noteError(MessageId, "boom");
    await engine.sqs.purgeQueue({ QueueUrl: url("src") });
    await engine.sweep();
    await engine.sqs.sendMessage({ QueueUrl: url("dlq"), MessageBody: "y" });
    expect((await engine.peekMessages({ QueueUrl: url("dlq") }))[0]?.FirstError).toBeUndefined();
  });
});

describe("migrations", () => {
  it("brings a version 1 database to the latest version, keeping its data", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, "old.db");
      const db = new Database(path);
      migrate(
        db,
        path,
        migrations.filter((m) => m.version === 1),
      );
      db.prepare(
        "INSERT INTO queues (name, attributes, created_at, modified_at) VALUES ('kept', '{}', 0, 0)",
      ).run();
      db.close();
      const upgraded = createEngine({ path });
      expect((await upgraded.sqs.listQueues()).QueueUrls).toEqual([url("kept")]);
      await upgraded.noteError("m-1", "works");
      await upgraded.close();
      const check = new Database(path, { readonly: true });
      expect(check.pragma("user_version", { simple: true })).toBe(latestSchemaVersion);
      const columns = check.pragma("table_info(messages)") as Array<{ name: string }>;
      expect(columns.map((c) => c.name)).toEqual(
        expect.arrayContaining(["moved_at", "message_group_id"]),
      );
      check.close();
    } finally {
      cleanup();
    }
  });
});
