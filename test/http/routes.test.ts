import { copyFileSync, existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { createEngine } from "../../src/engine/index.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { flushEvents } from "../support/engine.js";
import { type ApiStack, JOB_NAMES, jobs, postJson, startApiStack } from "./support.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let stack: ApiStack;
beforeEach(async () => {
  stack = await startApiStack();
});
afterEach(() => stack.close());

async function receiveOne(jobName: string) {
  const messages = await stack.transport.receive(jobName, { maxMessages: 10, waitTimeSeconds: 0 });
  expect(messages).toHaveLength(1);
  return messages[0]!;
}

describe("POST /jobs", () => {
  it("answers 202 with the id of a job that is in the job's queue", async () => {
    const payload = { productId: "p-1", name: "Ann", address: "1 Main St", quantity: 2 };
    const response = await postJson(`${stack.url}/jobs`, { jobName: "place-order", payload });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    expect(jobId).toMatch(UUID_V7);
    expect(await stack.transport.stats("place-order")).toMatchObject({ visible: 1 });
    expect(await stack.transport.stats("greeting")).toMatchObject({ visible: 0 });
    // The job id travels as an attribute (SNS gives each subscription's copy its own SQS id).
    const message = await receiveOne("place-order");
    expect(JSON.parse(message.body)).toEqual(payload);
    expect(message.messageAttributes.jobName?.stringValue).toBe("place-order");
    expect(message.messageAttributes.jobId?.stringValue).toBe(jobId);
  });

  it("takes the caller's own jobId, and refuses one that breaks the rule", async () => {
    const response = await postJson(`${stack.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Hank" },
      jobId: "order-42:greeting",
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ jobId: "order-42:greeting" });
    expect((await receiveOne("greeting")).messageAttributes.jobId?.stringValue).toBe(
      "order-42:greeting",
    );
    const bad = await postJson(`${stack.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Hank" },
      jobId: "has space",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        code: "InvalidJobId",
        message: expect.stringMatching(/jobId must be 1 to 128 characters.*got "has space"/),
      },
    });
    expect(await stack.transport.stats("greeting")).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it("delays delivery by delaySeconds", async () => {
    const response = await postJson(`${stack.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Hank" },
      delaySeconds: 60,
    });
    expect(response.status).toBe(202);
    expect(await stack.transport.stats("greeting")).toMatchObject({ visible: 0, delayed: 1 });
    stack.clock.advance(60_000);
    await flushEvents();
    expect(await stack.transport.stats("greeting")).toMatchObject({ visible: 1, delayed: 0 });
  });

  it("sends a job with delaySeconds 0 straight to its queue, overriding the job's delay", async () => {
    const response = await postJson(`${stack.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Hank" },
      delaySeconds: 0,
    });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    expect((await receiveOne("greeting")).messageAttributes.jobId?.stringValue).toBe(jobId);
  });

  it("accepts charset=utf-8 and any JSON payload for a job without a schema", async () => {
    const response = await postJson(
      `${stack.url}/jobs`,
      { jobName: "audit", payload: null, delaySeconds: 0 },
      { "content-type": "Application/JSON; charset=UTF-8" },
    );
    expect(response.status).toBe(202);
    expect((await receiveOne("audit")).body).toBe("null");
  });

  it("keeps a __proto__ key of a payload as data, polluting nothing", async () => {
    const body = '{"jobName":"audit","payload":{"__proto__":{"polluted":"yes"},"n":1}}';
    const response = await postJson(`${stack.url}/jobs`, body);
    expect(response.status).toBe(202);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const stored = JSON.parse((await receiveOne("audit")).body) as object;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(stored)).toEqual(["__proto__", "n"]);
  });

  it("takes nesting of exactly 100 levels", async () => {
    const payload = `${"[".repeat(99)}${"]".repeat(99)}`;
    const response = await postJson(
      `${stack.url}/jobs`,
      `{"jobName":"audit","payload":${payload}}`,
    );
    expect(response.status).toBe(202);
    expect((await receiveOne("audit")).body).toBe(payload);
  });
});

describe("POST /jobs/:jobName", () => {
  it("takes the payload as the body, ?delaySeconds= and ?jobId=", async () => {
    const response = await postJson(`${stack.url}/jobs/greeting?delaySeconds=30&jobId=hank-1`, {
      friendName: "Hank",
    });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    expect(jobId).toBe("hank-1");
    expect(await stack.transport.stats("greeting")).toMatchObject({ visible: 0, delayed: 1 });
    stack.clock.advance(30_000);
    await flushEvents();
    const message = await receiveOne("greeting");
    expect(message.messageAttributes.jobId?.stringValue).toBe("hank-1");
    expect(JSON.parse(message.body)).toEqual({ friendName: "Hank" });
  });

  it("takes any JSON value for a job without a schema", async () => {
    const response = await postJson(`${stack.url}/jobs/audit`, "[1,2,3]");
    expect(response.status).toBe(202);
    expect((await receiveOne("audit")).body).toBe("[1,2,3]");
  });

  it("accepts a __proto__ key its schema ignores without polluting anything", async () => {
    const body = '{"friendName":"Hank","__proto__":{"polluted":"yes"}}';
    const response = await postJson(`${stack.url}/jobs/greeting`, body);
    expect(response.status).toBe(202);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse((await receiveOne("greeting")).body)).toHaveProperty("friendName", "Hank");
  });
});

describe("202 means durable", () => {
  it("answers only once the backend's send has resolved", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let called!: () => void;
    const sendCalled = new Promise<void>((resolve) => {
      called = resolve;
    });
    await stack.close();
    stack = await startApiStack({
      backend: (real) => ({
        ...real,
        async send(jobName, payload, options) {
          called();
          await gate;
          return real.send(jobName, payload, options);
        },
      }),
    });
    let answered = false;
    const response = postJson(`${stack.url}/jobs/greeting`, { friendName: "Hank" }).then((r) => {
      answered = true;
      return r;
    });
    await sendCalled;
    await flushEvents(20);
    expect(answered).toBe(false);
    release();
    expect((await response).status).toBe(202);
    expect(await stack.transport.stats("greeting")).toMatchObject({ visible: 1 });
  });

  it("answers an error, not 202, when the backend's send fails", async () => {
    await stack.close();
    stack = await startApiStack({
      backend: (real) => ({
        ...real,
        send: () => Promise.reject(new Error("disk I/O error at /var/secret/offload.db")),
      }),
    });
    const response = await postJson(`${stack.url}/jobs/greeting`, { friendName: "Hank" });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: "InternalError", message: "The server failed to handle the request" },
    });
  });

  it("stores the job in the SQLite file before answering 202", async () => {
    const response = await postJson(`${stack.url}/jobs/greeting?delaySeconds=1`, {
      friendName: "Hank",
    });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    // What is on disk at the 202, copied while the engine still holds the file (it allows no
    // second connection): an engine opening the copy recovers its WAL and sees the message.
    const copy = `${stack.path}.copy`;
    copyFileSync(stack.path, copy);
    if (existsSync(`${stack.path}-wal`)) copyFileSync(`${stack.path}-wal`, `${copy}-wal`);
    await stack.stopServer();
    stack.clock.advance(1_000);
    const other = createEngine({ path: copy, clock: stack.clock });
    try {
      const transport = await createEngineTransport(
        other,
        JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
      );
      const [message] = await transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
      expect(message?.messageAttributes.jobId?.stringValue).toBe(jobId);
    } finally {
      await other.close();
    }
  });
});

describe("GET /health", () => {
  it("says ok and lists the jobs", async () => {
    const response = await fetch(`${stack.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      jobs: ["audit", "greeting", "place-order"],
    });
  });

  it("answers HEAD without a body", async () => {
    const response = await fetch(`${stack.url}/health`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});

describe("the queue API", () => {
  it("GET /api/queues summarizes every job's queue and DLQ", async () => {
    await stack.backend.send("greeting", { friendName: "a" });
    await stack.backend.send("greeting", { friendName: "b" }, { delaySeconds: 10 });
    await stack.backend.send("audit", 1);
    await stack.deadLetter("audit", 1);
    const response = await fetch(`${stack.url}/api/queues`);
    expect(response.status).toBe(200);
    const { queues } = (await response.json()) as { queues: unknown[] };
    const empty = {
      visible: 0,
      inFlight: 0,
      delayed: 0,
      nextDueAt: null,
      alarm: null,
      processed: null,
      failed: null,
    };
    expect(queues).toEqual([
      {
        ...empty,
        jobName: "audit",
        oldestMessageAgeSeconds: 0,
        dlq: { visible: 1, oldestMessageAgeSeconds: 0 },
      },
      {
        ...empty,
        jobName: "greeting",
        visible: 1,
        delayed: 1,
        nextDueAt: new Date(stack.clock.now() + 10_000).toISOString(),
        oldestMessageAgeSeconds: 0,
        dlq: { visible: 0, oldestMessageAgeSeconds: 0 },
      },
      {
        ...empty,
        jobName: "place-order",
        oldestMessageAgeSeconds: 0,
        dlq: { visible: 0, oldestMessageAgeSeconds: 0 },
      },
    ]);
  });

  it("GET /api/queues/:job summarizes one job", async () => {
    await stack.backend.send("greeting", { friendName: "a" });
    stack.clock.advance(5_000);
    const response = await fetch(`${stack.url}/api/queues/greeting`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      jobName: "greeting",
      visible: 1,
      inFlight: 0,
      delayed: 0,
      nextDueAt: null,
      oldestMessageAgeSeconds: 5,
      dlq: { visible: 0, oldestMessageAgeSeconds: 0 },
      alarm: null,
      processed: null,
      failed: null,
    });
  });

  it("lists, redrives and purges a job's DLQ", async () => {
    const start = stack.clock.now();
    for (const friendName of ["a", "b", "c"]) {
      await stack.backend.send("greeting", { friendName });
      stack.clock.advance(1_000);
    }
    const dead = await stack.deadLetter("greeting", 3, "SMTP 550");

    const all = await fetch(`${stack.url}/api/queues/greeting/dlq`);
    expect(all.status).toBe(200);
    const { messages } = (await all.json()) as { messages: Array<Record<string, unknown>> };
    expect(messages.map((m) => m.messageId).sort()).toEqual([...dead].sort());
    expect(messages[0]).toEqual({
      jobId: expect.stringMatching(UUID_V7),
      messageId: expect.any(String),
      body: '{"friendName":"a"}',
      attributes: { jobName: "greeting", jobId: messages[0]!.jobId },
      receiveCount: 1,
      sentAt: new Date(start).toISOString(),
      firstError: "SMTP 550",
      lastError: "SMTP 550",
    });

    const one = await fetch(`${stack.url}/api/queues/greeting/dlq?limit=1`);
    expect(((await one.json()) as { messages: unknown[] }).messages).toHaveLength(1);
    // Listing consumed nothing.
    expect(await stack.transport.stats("greeting")).toMatchObject({ dlq: { visible: 3 } });

    // By job id (a message id works too: below).
    const first = messages[0]!.jobId as string;
    const chosen = await postJson(`${stack.url}/api/queues/greeting/redrive`, {
      ids: [first],
    });
    expect(chosen.status).toBe(200);
    expect(await chosen.json()).toEqual({ moved: 1, notFound: [] });
    expect(await stack.transport.stats("greeting")).toMatchObject({
      visible: 1,
      dlq: { visible: 2 },
    });

    // No body: redrive everything.
    const rest = await fetch(`${stack.url}/api/queues/greeting/redrive`, { method: "POST" });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toEqual({ moved: 2 });
    expect(await stack.transport.stats("greeting")).toMatchObject({
      visible: 3,
      dlq: { visible: 0 },
    });

    await stack.deadLetter("greeting", 2);
    const purge = await fetch(`${stack.url}/api/queues/greeting/purge`, { method: "POST" });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toEqual({ purged: 2 });
    await flushEvents();
    expect(await stack.transport.stats("greeting")).toMatchObject({
      visible: 1,
      dlq: { visible: 0 },
    });
  });

  it("names the chosen ids a redrive did not find in the DLQ", async () => {
    await stack.backend.send("audit", 1);
    const [dead] = await stack.deadLetter("audit", 1);
    const response = await postJson(`${stack.url}/api/queues/audit/redrive`, {
      ids: [dead, "gone-1", "gone-2"],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ moved: 1, notFound: ["gone-1", "gone-2"] });
  });

  it("answers a second purge within a minute 409 with Retry-After, and one a minute later 200", async () => {
    const first = await fetch(`${stack.url}/api/queues/audit/purge`, { method: "POST" });
    expect(first.status).toBe(200);
    const second = await fetch(`${stack.url}/api/queues/audit/purge`, { method: "POST" });
    expect(second.status).toBe(409);
    expect(second.headers.get("retry-after")).toBe("60");
    expect(await second.json()).toEqual({
      error: {
        code: "PurgeInProgress",
        message:
          "The DLQ of audit was purged less than 60 seconds ago, and SQS allows one purge a minute: try again in a minute",
      },
    });
    stack.clock.advance(60_000);
    const later = await fetch(`${stack.url}/api/queues/audit/purge`, { method: "POST" });
    expect(later.status).toBe(200);
  });

  it("redrives everything given an empty JSON object", async () => {
    await stack.backend.send("audit", 1);
    await stack.deadLetter("audit", 1);
    const response = await postJson(`${stack.url}/api/queues/audit/redrive`, {});
    expect(await response.json()).toEqual({ moved: 1 });
  });
});

describe("errors the backend raises", () => {
  it("maps DelayTooLong to 400 and hides other errors behind a generic 500, logging them", async () => {
    const { OffloadError } = await import("../../src/core/errors.js");
    const logged: unknown[][] = [];
    await stack.close();
    stack = await startApiStack({
      backend: (real) => ({
        ...real,
        send: () =>
          Promise.reject(new OffloadError("DelayTooLong", "delay 20m is longer than 15m")),
        queues: () =>
          Promise.reject(new OffloadError<string>("SqliteBusy", "SQLITE_BUSY: /tmp/x.db")),
      }),
      logger: {
        ...silentLogger,
        error: (fields: unknown, msg?: unknown) => logged.push([fields, msg]),
      },
    });
    const delay = await postJson(`${stack.url}/jobs/greeting`, { friendName: "Hank" });
    expect(delay.status).toBe(400);
    expect(await delay.json()).toEqual({
      error: { code: "DelayTooLong", message: "delay 20m is longer than 15m" },
    });
    const hidden = await fetch(`${stack.url}/api/queues`);
    expect(hidden.status).toBe(500);
    const text = await hidden.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: "InternalError", message: "The server failed to handle the request" },
    });
    expect(text).not.toMatch(/SQLITE|x\.db/);
    // What the caller is not told, the log keeps; a 400 is the caller's problem, not logged.
    expect(logged).toEqual([
      [
        {
          method: "GET",
          path: "/api/queues",
          error: {
            name: "OffloadError",
            message: "SQLITE_BUSY: /tmp/x.db",
            code: "SqliteBusy",
            stack: expect.stringContaining("SQLITE_BUSY"),
          },
        },
        "a request failed; it was answered 500",
      ],
    ]);
  });
});

describe("pages", () => {
  it("serves GET requests the routes do not, and nothing else", async () => {
    await stack.close();
    stack = await startApiStack({
      pages: (c) => (c.req.path === "/" ? c.html("<h1>offload</h1>") : undefined),
    });
    const page = await fetch(`${stack.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<h1>offload</h1>");
    const head = await fetch(`${stack.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/html/);
    const missing = await fetch(`${stack.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "NotFound" } });
    const posted = await fetch(`${stack.url}/`, { method: "POST" });
    expect(posted.status).toBe(404);
    // The API's own routes come first.
    expect((await fetch(`${stack.url}/health`)).headers.get("content-type")).toMatch(/json/);
  });
});

describe("a smaller body limit", () => {
  it("refuses a body over bodyLimitBytes", async () => {
    await stack.close();
    stack = await startApiStack({ bodyLimitBytes: 100 });
    const ok = await postJson(`${stack.url}/jobs/audit`, "x".repeat(90).replace(/^|$/g, '"'));
    expect(ok.status).toBe(202);
    const tooBig = await postJson(`${stack.url}/jobs/audit`, `"${"x".repeat(99)}"`);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({
      error: { code: "PayloadTooLarge", message: expect.stringMatching(/the limit is 100 bytes/) },
    });
  });
});
