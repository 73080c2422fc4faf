import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OffloadError } from "../../src/core/errors.js";
import { resolveServerOptions } from "../../src/server/options.js";
import { startTestServer } from "../support/server.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const greet = `export default defineJob({
  schema: z.object({ name: z.string() }),
  handler: async (p, ctx) => { ctx.logger.info({ name: p.name }, "greeted " + p.name); },
});`;

const start = (jobs: Record<string, string>) => startTestServer(jobs, cleanups);

describe("startServer, in-process", () => {
  it("runs a job posted over HTTP, and stops", async () => {
    const { server, log } = await start({ greet });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:3000$/);
    expect(server.jobNames()).toEqual(["greet"]);

    const answer = await fetch(`${server.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobName: "greet", payload: { name: "Hank" } }),
    });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ jobId: expect.any(String) });
    const ran = await log.waitFor((r) => r.message === "greeted Hank");
    expect(ran.fields).toMatchObject({ jobName: "greet", attempt: 1, name: "Hank" });

    const stopping = server.stop();
    expect(server.stop()).toBe(stopping);
    await stopping;
    await log.waitFor((r) => r.message === "runtime stopped");
    // Nothing listens there any more.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it("serves the wire endpoint's queues from the engine thread", async () => {
    const { server } = await start({ greet });
    const answer = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "AmazonSQS.GetQueueUrl",
      },
      body: JSON.stringify({ QueueName: "greet" }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ QueueUrl: `${server.url}/000000000000/greet` });
  });

  it("rejects with why its jobs cannot load, and leaves nothing listening", async () => {
    const started = start({ broken: "export default 42;" });
    await expect(started).rejects.toMatchObject({ message: expect.stringMatching(/broken/) });
  });
});

describe("server options", () => {
  it("names each option that is wrong, what it takes and what it got", () => {
    let thrown: unknown;
    try {
      resolveServerOptions({
        jobsDir: "jobs",
        port: 70_000,
        durability: "fast" as "full",
        jobHistory: "off" as unknown as boolean,
        workerMemoryMb: 64,
        alertWebhook: "ftp://example.com",
        pagesDir: "/nonexistent/pages",
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(OffloadError);
    expect(thrown).toMatchObject({
      code: "InvalidServerOptions",
      message: [
        "Invalid server options:",
        "port must be an integer from 0 to 65535; got 70000",
        'durability must be "full" or "relaxed"; got "fast"',
        'jobHistory must be true or false; got "off"',
        "pagesDir must be a folder of pages; /nonexistent/pages is not one",
        'alertWebhook must be an http:// or https:// URL; got "ftp://example.com"',
        "workerMemoryMb must be an integer from 128 to 10240 (MB, as Lambda's memory size); got 64",
      ].join("\n"),
    });
  });

  it("refuses to listen beyond loopback without an API key", () => {
    expect(() => resolveServerOptions({ jobsDir: "jobs", host: "0.0.0.0" })).toThrow(
      expect.objectContaining({ code: "ApiKeyRequired" }),
    );
    expect(resolveServerOptions({ jobsDir: "jobs", host: "0.0.0.0", apiKey: "k" })).toMatchObject({
      host: "0.0.0.0",
      apiKey: "k",
    });
  });

  it("applies the defaults, with paths made absolute, frozen", () => {
    const resolved = resolveServerOptions({ jobsDir: "jobs" });
    expect(resolved).toMatchObject({
      jobsDir: join(process.cwd(), "jobs"),
      database: join(process.cwd(), ".offload/offload.db"),
      port: 3000,
      host: "127.0.0.1",
      durability: "full",
      jobHistory: true,
      apiKey: undefined,
      corsOrigins: [],
      bodyLimitBytes: 1_048_576,
      pagesDir: undefined,
      workerMemoryMb: 1024,
      watch: false,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});
