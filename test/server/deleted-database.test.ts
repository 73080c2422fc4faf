import { renameSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { OffloadError } from "../../src/core/errors.js";
import { openTestEngine } from "../support/engine.js";
import { startTestServer } from "../support/server.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const greet = `export default defineJob({
  schema: z.object({ name: z.string() }),
  handler: async (p, ctx) => { ctx.logger.info({ name: p.name }, "greeted " + p.name); },
});`;

async function startWithDatabase() {
  const { server, log } = await startTestServer({ greet }, cleanups);
  const listening = await log.waitFor((r) => r.message.startsWith("offload is listening"));
  const database = (listening.fields as { database: string }).database;
  const postJob = (name: string) =>
    fetch(`${server.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobName: "greet", payload: { name } }),
    });
  return { server, log, database, postJob };
}

describe("a server whose database file is deleted under it", () => {
  it("refuses every new job with 503 naming the file, says so once in its log and in /health", async () => {
    const { server, log, database, postJob } = await startWithDatabase();
    expect((await postJob("before")).status).toBe(202);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    rmSync(database);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postJob(`after-${i}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(503));
    const body = (await answers[0]!.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("DatabaseGone");
    expect(body.error.message).toContain(database);
    expect(body.error.message).toContain("deleted");

    // Later requests too, over the SQS wire endpoint as over POST /jobs.
    expect((await postJob("later")).status).toBe(503);
    const wire = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "AmazonSQS.SendMessage",
      },
      body: JSON.stringify({
        QueueUrl: `${server.url}/000000000000/greet`,
        MessageBody: JSON.stringify({ name: "wire" }),
      }),
    });
    expect(wire.status).toBe(503);
    expect(await wire.json()).toMatchObject({
      __type: expect.stringContaining("ServiceUnavailable"),
      message: expect.stringContaining(database),
    });

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: "unhealthy",
      reason: expect.stringContaining(database),
    });

    const errors = log.records.filter((r) => r.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(database);
  });

  it("refuses new jobs once its write-ahead log is deleted", async () => {
    const { server, database, postJob } = await startWithDatabase();
    expect((await postJob("before")).status).toBe(202);
    rmSync(`${database}-wal`);
    const answer = await postJob("after");
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({
      error: { code: "DatabaseGone", message: expect.stringContaining(`${database}-wal`) },
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(503);
  });

  it("refuses new jobs once the file is replaced by another", async () => {
    const { database, postJob } = await startWithDatabase();
    renameSync(database, `${database}.moved`);
    writeFileSync(database, "");
    const answer = await postJob("after");
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({
      error: { code: "DatabaseGone", message: expect.stringContaining("replaced") },
    });
  });
});

describe("an idle engine whose database file is deleted", () => {
  it("finds it on its timer, reports it once, refuses sends and still hands out queued messages", async () => {
    const gone: OffloadError[] = [];
    const t = openTestEngine({ onDatabaseGone: (error) => gone.push(error) });
    cleanups.push(() => t.close());
    const queueUrl = await t.createQueue("greet");
    await t.engine.sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: "queued" });

    rmSync(t.path);
    expect(gone).toEqual([]);
    await t.advance(1000);
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({
      code: "DatabaseGone",
      message: expect.stringContaining(t.path),
    });
    expect(t.engine.checkDatabaseFile()).toBe(gone[0]);

    await expect(
      t.engine.sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: "new" }),
    ).rejects.toMatchObject({ code: "DatabaseGone" });
    // What was accepted before still runs: it would be lost at the next start anyway.
    const { Messages } = await t.engine.sqs.receiveMessage({ QueueUrl: queueUrl });
    expect(Messages?.map((m) => m.Body)).toEqual(["queued"]);
    await t.advance(5000);
    expect(gone).toHaveLength(1);
  });
});
