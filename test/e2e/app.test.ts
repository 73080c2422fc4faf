import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetSubscriptionAttributesCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteQueueCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobQueueSummary } from "../../src/http/backend.js";
import { sdkClients } from "../support/sdk-clients.js";
import { appFolder, cli, postJob, type Server, startServer } from "./server.js";

// `offload start` as a newcomer runs it: a child process, real HTTP, a real database file.
let folder: ReturnType<typeof appFolder>;
let server: Server;
let flag: string;

beforeAll(async () => {
  folder = appFolder({
    greet: `import { z } from "zod";
export default defineJob({ schema: z.object({ name: z.string() }), handler: async (p, ctx) => { ctx.logger.info({ name: p.name }, "greeted " + p.name); } });`,
    // Fails while the flag file exists: Unrecoverable sends it straight to the DLQ.
    fragile: `import { existsSync } from "node:fs";
export default defineJob({ handler: async (_p, ctx) => {
  if (existsSync(process.env.E2E_FLAG!)) throw new Unrecoverable("flag is set");
  ctx.logger.info("fragile succeeded");
} });`,
    flaky: `export default defineJob({ timeout: "5s", retryDelay: "30s", handler: async () => { throw new Error("flaky failure"); } });`,
  });
  flag = join(folder.dir, "fail.flag");
  writeFileSync(flag, "");
  server = await startServer(folder.dir, { E2E_FLAG: flag });
});

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  folder?.cleanup();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function queue(name: string): Promise<JobQueueSummary> {
  return (await (await fetch(`${server.url}/api/queues/${name}`)).json()) as JobQueueSummary;
}

describe("offload start, end to end", () => {
  it("runs a job posted over HTTP", async () => {
    const { status, body } = await postJob(server.url, "greet", { name: "Hank" });
    expect(status).toBe(202);
    expect(body.jobId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const line = await server.waitForLog((l) => l.msg === "greeted Hank");
    // The handler's log lines carry the id POST /jobs answered.
    expect(line).toMatchObject({ jobName: "greet", jobId: body.jobId, attempt: 1, name: "Hank" });
    expect(await queue("greet")).toMatchObject({
      visible: 0,
      inFlight: 0,
      processed: 1,
      failed: 0,
    });
  });

  it("keeps a failed job for a retry, visible in /api and offload stats", async () => {
    await postJob(server.url, "flaky", {});
    await server.waitForLog((l) => l.msg === "job failed" && l.jobName === "flaky");
    // The handler's log line comes from its worker; the counters follow once the batch is done.
    await expect.poll(async () => (await queue("flaky")).failed).toBe(1);
    expect(await queue("flaky")).toMatchObject({
      inFlight: 1,
      failed: 1,
      processed: 0,
      dlq: { visible: 0 },
    });
    const stats = await cli(["stats", "--url", server.url, "--json"]);
    expect(stats.code).toBe(0);
    const { queues } = JSON.parse(stats.stdout) as { queues: JobQueueSummary[] };
    expect(queues.map((q) => q.jobName)).toEqual(["flaky", "fragile", "greet"]);
    expect(queues.find((q) => q.jobName === "flaky")).toMatchObject({ inFlight: 1, failed: 1 });
    const table = await cli(["stats", "--url", server.url]);
    expect(table.stdout).toMatch(/^job\s+visible\s+in flight/m);
    expect(table.stdout).toMatch(/^flaky\s+0\s+1\s+0/m);
  });

  it("moves an unrecoverable job to the DLQ, lists it, redrives it and purges", async () => {
    const sent = await cli(["send", "fragile", '{"order":1}', "--url", server.url]);
    expect(sent).toMatchObject({ code: 0, stderr: "" });
    expect(sent.stdout).toMatch(/^sent fragile: job [0-9a-f-]{36}\n$/);
    const jobId = sent.stdout.trim().split(" ").at(-1);
    const moving = await server.waitForLog(
      (l) => l.msg === "moving the job to its dead-letter queue",
    );
    expect(moving).toMatchObject({ jobName: "fragile", jobId });
    await expect.poll(async () => (await queue("fragile")).dlq.visible).toBe(1);

    const list = await cli(["dlq", "list", "fragile", "--url", server.url, "--json"]);
    const { messages, more } = JSON.parse(list.stdout) as {
      messages: Array<Record<string, unknown>>;
      more: boolean;
    };
    expect(messages).toHaveLength(1);
    expect(more).toBe(false);
    expect(messages[0]).toMatchObject({
      jobId,
      body: '{"order":1}',
      receiveCount: 1,
      lastError: "DeadLettered: Unrecoverable: flag is set",
    });
    const human = await cli(["dlq", "list", "fragile", "--url", server.url]);
    expect(human.stdout).toMatch(/^job id\s+attempts\s+sent\s+last error\s+payload/m);
    expect(human.stdout).toContain(jobId);

    rmSync(flag);
    // Redriven by the job's id, it keeps it.
    const redrive = await cli(["dlq", "redrive", "fragile", jobId!, "--url", server.url]);
    expect(redrive).toMatchObject({
      code: 0,
      stdout: "moved 1 message(s) from the DLQ back to fragile\n",
    });
    const succeeded = await server.waitForLog((l) => l.msg === "fragile succeeded");
    expect(succeeded).toMatchObject({ jobId });
    expect(await queue("fragile")).toMatchObject({ dlq: { visible: 0 }, processed: 1 });

    // What happened to it, by its id: every step, in the order they came.
    const timeline = await cli(["job", jobId!, "--url", server.url]);
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toMatch(new RegExp(`^job ${jobId} \\(fragile\\): succeeded\n`));
    const steps = timeline.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/^\S+ {2}/, ""));
    expect(steps).toEqual([
      "accepted",
      "attempt 1 started",
      "moved to the dead-letter queue: Unrecoverable: flag is set",
      "redriven to its queue",
      "attempt 1 started",
      expect.stringMatching(/^attempt 1 succeeded after \d+ ms$/),
    ]);
    const asJson = JSON.parse((await cli(["job", jobId!, "--json", "--url", server.url])).stdout);
    expect(asJson).toMatchObject({ jobId, jobName: "fragile", state: "succeeded" });
    const listed = await cli(["jobs", "--job", "fragile", "--json", "--url", server.url]);
    expect(JSON.parse(listed.stdout).jobs.map((j: { jobId: string }) => j.jobId)).toContain(jobId);
    const finished = await cli(["cancel", jobId!, "--url", server.url]);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toMatch(new RegExp(`Job ${jobId} has already finished: succeeded at `));
    const unknownId = await cli([
      "dlq",
      "redrive",
      "fragile",
      "--id",
      "no-such-id",
      "--json",
      "--url",
      server.url,
    ]);
    // With --json the error is JSON too, for the script that asked for it.
    expect(unknownId).toMatchObject({
      code: 1,
      stdout: '{"moved":0,"notFound":["no-such-id"]}\n',
      stderr:
        '{"error":{"code":"NotInDlq","message":"1 of the chosen ids is not in the DLQ of fragile: no-such-id"}}\n',
    });

    writeFileSync(flag, "");
    await postJob(server.url, "fragile", { order: 2 });
    await postJob(server.url, "fragile", { order: 3 });
    await expect.poll(async () => (await queue("fragile")).dlq.visible).toBe(2);
    // A list cut short by --limit says so, and how to see more.
    const first = await cli(["dlq", "list", "fragile", "--limit", "1", "--url", server.url]);
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split("\n")).toHaveLength(4); // header, rule, one row, the note
    expect(first.stdout).toMatch(
      /\nthe oldest 1 of 2 messages in the DLQ of fragile; --limit \(up to 1000\) lists more\n$/,
    );
    const firstJson = await cli([
      "dlq",
      "list",
      "fragile",
      "--limit",
      "1",
      "--json",
      "--url",
      server.url,
    ]);
    expect(JSON.parse(firstJson.stdout)).toMatchObject({
      messages: [{ body: '{"order":2}' }],
      more: true,
    });
    const refused = await cli(["dlq", "purge", "fragile", "--url", server.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^offload: Purging deletes every message in the DLQ of fragile for good: add --yes to confirm\n$/,
    );
    const purge = await cli(["dlq", "purge", "fragile", "--yes", "--url", server.url]);
    expect(purge).toMatchObject({
      code: 0,
      stdout: "purged 2 message(s) from the DLQ of fragile\n",
    });
    expect((await queue("fragile")).dlq.visible).toBe(0);
    // SQS allows one purge a minute; the engine too, and says so instead of failing.
    const again = await cli(["dlq", "purge", "fragile", "--yes", "--url", server.url]);
    expect(again).toMatchObject({
      code: 1,
      stderr:
        "offload: The DLQ of fragile was purged less than 60 seconds ago, and SQS allows one purge a minute: try again in a minute\n",
    });
    const answer = await fetch(`${server.url}/api/queues/fragile/purge`, { method: "POST" });
    expect(answer.status).toBe(409);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe(
      "PurgeInProgress",
    );
    expect(existsSync(flag)).toBe(true);
  });

  it("schedules jobs with send --delay 2h and --at, shown by stats and job, and cancels one", async () => {
    const before = Date.now();
    const later = await cli([
      "send",
      "greet",
      '{"name":"Later"}',
      "--delay",
      "2h",
      "--json",
      "--url",
      server.url,
    ]);
    expect(later).toMatchObject({ code: 0, stderr: "" });
    const { jobId } = JSON.parse(later.stdout) as { jobId: string };
    const after = Date.now();
    const runAt = new Date(after + 3 * 3_600_000).toISOString();
    const at = await cli([
      "send",
      "greet",
      '{"name":"At"}',
      "--at",
      runAt,
      "--json",
      "--url",
      server.url,
    ]);
    const atAnswered = Date.now();
    expect(at).toMatchObject({ code: 0, stderr: "" });
    const atJobId = (JSON.parse(at.stdout) as { jobId: string }).jobId;

    const stats = await cli(["stats", "--json", "--url", server.url]);
    const greet = (JSON.parse(stats.stdout).queues as JobQueueSummary[]).find(
      (q) => q.jobName === "greet",
    );
    expect(greet?.delayed).toBe(2);
    // Due two hours after the app stored it: between the CLI's start and its answer, plus 2h.
    const due = Date.parse(greet?.nextDueAt ?? "");
    expect(due).toBeGreaterThanOrEqual(before + 7_200_000);
    expect(due).toBeLessThanOrEqual(after + 7_200_000);
    const table = await cli(["stats", "--url", server.url]);
    expect(table.stdout).toMatch(/next due/);
    expect(table.stdout).toContain(greet?.nextDueAt);

    const shown = JSON.parse((await cli(["job", atJobId, "--json", "--url", server.url])).stdout);
    expect(shown.state).toBe("delayed");
    // An at is counted in whole seconds from the app's clock, rounded up: never early, less than
    // a second late (plus the time the app took to store it, within the CLI's call).
    const lateBy = Date.parse(shown.runAt) - Date.parse(runAt);
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(lateBy).toBeLessThan(1000 + (atAnswered - after));
    const cancelled = await cli(["cancel", jobId, "--json", "--url", server.url]);
    expect(cancelled.code).toBe(0);
    expect((await cli(["cancel", atJobId, "--json", "--url", server.url])).code).toBe(0);
    expect(await queue("greet")).toMatchObject({ delayed: 0, nextDueAt: null });
  });

  it("refuses bad input in the CLI with one clear line and a non-zero exit", async () => {
    const unknown = await cli(["send", "nope", "{}", "--url", server.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'offload: There is no job "nope"; the jobs are: flaky, fragile, greet\n',
    );
    const badPayload = await cli(["send", "greet", '{"name":5}', "--url", server.url]);
    expect(badPayload.code).toBe(1);
    // The schema's issue, said once.
    expect(badPayload.stderr).toMatch(
      /^offload: The payload of greet does not match its schema: name: [^()\n]+\n$/,
    );
    const badJson = await cli(["send", "greet", "{not json", "--url", server.url]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^offload: The payload is not valid JSON: /);
    const missingFile = await cli([
      "send",
      "greet",
      "@/nonexistent/payload.json",
      "--url",
      server.url,
    ]);
    expect(missingFile.stderr).toMatch(
      /^offload: Cannot read the payload file \/nonexistent\/payload\.json: /,
    );
    const usage = await cli(["dlq", "list"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'job'/);
    // Usage errors exit 2 and say which flag takes what.
    const usageErrors: Array<[string[], string]> = [
      [
        ["send", "greet", "{}", "--delay", "abc"],
        '--delay must be whole seconds ("90") or a duration ("90s", "2m", "2h", "30d"); got "abc"',
      ],
      [
        ["send", "greet", "{}", "--delay", "366d"],
        '--delay must be at most 365d (31536000 seconds); got "366d"',
      ],
      [
        ["send", "greet", "{}", "--at", "2026-03-01 09:00"],
        '--at must be an ISO 8601 date-time with its offset, e.g. "2026-03-01T09:00:00Z" or "2026-03-01T10:00:00+01:00"; got "2026-03-01 09:00"',
      ],
      [
        ["send", "greet", "{}", "--delay", "2h", "--at", "2026-03-01T09:00:00Z"],
        '--delay and --at do not go together: give one; got --delay "2h" and --at "2026-03-01T09:00:00Z"',
      ],
      [
        ["stats", "--url", "localhost:3000"],
        `--url must be the app's http:// or https:// address, like http://localhost:3000; got "localhost:3000"`,
      ],
      [
        ["stats", "--url", `${server.url}/?key=1`],
        `--url must be the app's address without a query or fragment, like http://localhost:3000; got "${server.url}/?key=1"`,
      ],
      [
        ["stats", "--aws", "--url", server.url],
        "--url is for a running app and --aws for the deployed stack: give one of them",
      ],
      [
        ["stats", "--outputs", "x.json", "--url", server.url],
        "--outputs goes with --aws; add --aws or leave it out",
      ],
      // The parser's own usage errors read as the rest.
      [["send", "greet", "--url", server.url], "missing required argument 'payload'"],
      [
        ["dlq", "list", "greet", "--limit", "0", "--url", server.url],
        '--limit must be an integer from 1 to 1000; got "0"',
      ],
      [["start", "-p", "http"], '--port must be an integer from 0 to 65535; got "http"'],
      [
        ["stats", "-c", "/nonexistent/offload.config.ts"],
        "Config file /nonexistent/offload.config.ts does not exist",
      ],
    ];
    for (const [args, message] of usageErrors) {
      expect(await cli(args), args.join(" ")).toMatchObject({
        code: 2,
        stderr: `offload: ${message}\n`,
      });
    }
    const port = await closedPort();
    const noApp = await cli(["stats", "--url", `http://127.0.0.1:${port}`]);
    expect(noApp.code).toBe(1);
    expect(noApp.stderr).toBe(
      `offload: No offload app answers at http://127.0.0.1:${port}: start one with \`offload dev\`, or pass --url\n`,
    );
  });

  it("finds the app where its config makes it listen, without --url", async () => {
    const port = new URL(server.url).port;
    const other = appFolder({});
    try {
      // -c names the app: its port, and its key.
      writeFileSync(
        join(other.dir, "elsewhere.config.ts"),
        `export default { port: ${port}, apiKey: "unused-by-a-loopback-app" };\n`,
      );
      const byFile = await cli(["stats", "-c", "elsewhere.config.ts", "--json"], {}, other.dir);
      expect(byFile.code).toBe(0);
      expect(JSON.parse(byFile.stdout).queues.map((q: { jobName: string }) => q.jobName)).toEqual([
        "flaky",
        "fragile",
        "greet",
      ]);
      // The environment's port, as `offload start` would take it.
      const byEnv = await cli(["stats", "--json"], { OFFLOAD_PORT: port }, other.dir);
      expect(byEnv.code).toBe(0);
      // A config whose app listens on any free port cannot say where it is.
      writeFileSync(join(other.dir, "any.config.ts"), "export default { port: 0 };\n");
      expect(await cli(["stats", "-c", "any.config.ts"], {}, other.dir)).toMatchObject({
        code: 2,
        stderr: `offload: The app's port is 0 (${join(other.dir, "any.config.ts")}: port): it listens on any free port, so give its address with --url\n`,
      });
      // A config or variable the command cannot use is a usage error, as a bad flag is.
      expect(await cli(["stats"], { OFFLOAD_PORT: "abc" }, other.dir)).toMatchObject({
        code: 2,
        stderr:
          'offload: environment variable OFFLOAD_PORT must be an integer from 0 to 65535; got "abc"\n',
      });
    } finally {
      other.cleanup();
    }
  });

  it("says when --url is not an offload app, and how to pass a key the app asks for", async () => {
    // Not an offload app: any other server, and one that answers as a keyed app does.
    const other = createServer((request, response) => {
      if (
        request.url?.startsWith("/api/queues") &&
        request.headers.authorization !== "Bearer right"
      ) {
        response.writeHead(401, { "content-type": "application/json" });
        response.end('{"error":{"code":"Unauthorized","message":"needs a key"}}');
        return;
      }
      response.writeHead(404, { "content-type": "text/html" });
      response.end("<h1>Not Found</h1>");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      expect(await cli(["send", "greet", "{}", "--url", url])).toMatchObject({
        code: 1,
        stderr: `offload: ${url} answered POST /jobs/greet with HTTP 404 and no offload error: is --url the address of an offload app?\n`,
      });
      expect(await cli(["stats", "--url", url])).toMatchObject({
        code: 1,
        stderr: `offload: The app at ${url} needs its API key: pass it with --api-key or set OFFLOAD_API_KEY\n`,
      });
      expect(await cli(["stats", "--url", url, "--api-key", "wrong"])).toMatchObject({
        code: 1,
        stderr: `offload: The app at ${url} refused the API key given (--api-key or OFFLOAD_API_KEY): it is not the app's key\n`,
      });
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('runs an app whose package.json is CommonJS (no "type": "module"), as most apps\' are', async () => {
    const commonJs = appFolder(
      {
        hello: `export default defineJob({ handler: async (_p, ctx) => { ctx.logger.info("hello from CommonJS"); } });`,
      },
      { packageJson: { name: "commonjs-app", private: true } },
    );
    const app = await startServer(commonJs.dir);
    try {
      expect((await postJob(app.url, "hello", {})).status).toBe(202);
      await app.waitForLog((l) => l.msg === "hello from CommonJS");
    } finally {
      app.child.kill("SIGTERM");
      await app.exited;
      commonJs.cleanup();
    }
  });

  it("says on one line where a job file has a syntax error", async () => {
    const broken = appFolder({
      typo: "export default defineJob({ handler: async () => { if ( } });",
    });
    try {
      const started = await cli(["start"], {}, broken.dir);
      expect(started.code).toBe(1);
      expect(started.stderr).toBe(
        `offload: ${join(broken.dir, "jobs", "typo.ts")}: failed to load: line 3, column 56: Unexpected "}"\n`,
      );
    } finally {
      broken.cleanup();
    }
    const badOptions = appFolder({
      early: `export default defineJob({ timeout: "15s", retryDelay: "10s", maxAttempts: 0, handler: async () => {} });`,
    });
    try {
      const started = await cli(["start"], {}, badOptions.dir);
      expect(started.code).toBe(1);
      // Every problem of the file, on the one line.
      expect(started.stderr.split("\n")).toEqual([expect.any(String), ""]);
      expect(started.stderr).toMatch(
        /^offload: \S+early\.ts: failed to load: Invalid job options \(2 problems\): \S/,
      );
      expect(started.stderr).toContain("maxAttempts");
      expect(started.stderr).toContain("; ");
      expect(started.stderr).toContain("retryDelay 10s is shorter than timeout 15s");
    } finally {
      badOptions.cleanup();
    }
  });

  it("stops at once with one line when its port is taken, before it opens the database", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    const other = appFolder({ idle: "export default defineJob({ handler: async () => {} });" });
    try {
      const clash = await cli(["start"], { OFFLOAD_PORT: String(port) }, other.dir);
      expect(clash.code).toBe(1);
      expect(clash.stderr).toBe(
        `offload: Port ${port} on 127.0.0.1 (environment variable OFFLOAD_PORT) is in use: stop the other process, or choose another port with --port or OFFLOAD_PORT\n`,
      );
      // Nothing ran: the engine never opened the app's database.
      expect(existsSync(join(other.dir, "data/app.db"))).toBe(false);
    } finally {
      other.cleanup();
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it("answers 503 to a request that waited for an app that then failed to start", async () => {
    // The job file takes a moment to load and then throws: the port is open meanwhile.
    const broken = appFolder({
      slow: `const gate = process.env.E2E_GATE!;
const { existsSync } = await import("node:fs");
while (!existsSync(gate)) await new Promise((r) => setTimeout(r, 10));
throw new Error("this job file is broken");`,
    });
    const gate = join(broken.dir, "gate");
    const port = await closedPort();
    try {
      const start = cli(["start"], { OFFLOAD_PORT: String(port), E2E_GATE: gate }, broken.dir);
      // Once the port is open, a request is sent in full, and only then is the job file let go.
      let answer: { status: number; body: string } | undefined;
      while (!answer) {
        answer = await new Promise<{ status: number; body: string } | undefined>((done, fail) => {
          const request = httpRequest(`http://127.0.0.1:${port}/health`, (response) => {
            let body = "";
            response.on("data", (chunk) => (body += chunk));
            response.on("end", () => done({ status: response.statusCode ?? 0, body }));
          });
          request.on("error", (e: NodeJS.ErrnoException) =>
            e.code === "ECONNREFUSED" ? setTimeout(() => done(undefined), 20) : fail(e),
          );
          request.on("finish", () => writeFileSync(gate, ""));
          request.end();
        });
      }
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: "Unavailable", message: "offload failed to start; see its log" },
      });
      const ended = await start;
      expect(ended.code).toBe(1);
      expect(ended.stderr).toContain("this job file is broken");
    } finally {
      broken.cleanup();
    }
  });

  it("gives queue URLs the port it listens on, the one the OS chose for port 0", async () => {
    const response = await fetch(`${server.url}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization:
          "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
      },
      body: "Action=GetQueueUrl&QueueName=greet&Version=2012-11-05",
    });
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(xml).toContain(`<QueueUrl>${server.url}/000000000000/greet</QueueUrl>`);
  });

  it("keeps its own queues, DLQs, topic and subscriptions whole over the SQS and SNS APIs", async () => {
    const { sqs, sns, destroy } = sdkClients(server.url);
    try {
      const refused = async (call: Promise<unknown>) => {
        const error = (await call.then(
          () => undefined,
          (e: unknown) => e,
        )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        expect(error?.$metadata?.httpStatusCode, String(error)).toBe(403);
        return error;
      };
      const { QueueUrl: greet } = await sqs.send(new GetQueueUrlCommand({ QueueName: "greet" }));
      const deleted = await refused(sqs.send(new DeleteQueueCommand({ QueueUrl: greet })));
      expect(deleted.name).toBe("AccessDenied");
      expect(deleted.message).toContain("Queue greet carries this app's jobs");
      const { QueueUrl: dlq } = await sqs.send(new GetQueueUrlCommand({ QueueName: "greet-dlq" }));
      await refused(sqs.send(new DeleteQueueCommand({ QueueUrl: dlq })));

      const { Topics } = await sns.send(new ListTopicsCommand({}));
      const topic = Topics?.find((t) => t.TopicArn?.endsWith(":offload-jobs"))?.TopicArn;
      expect(topic).toBeDefined();
      expect((await refused(sns.send(new DeleteTopicCommand({ TopicArn: topic })))).name).toBe(
        "AuthorizationErrorException", // the SDK's name for SNS's AuthorizationError
      );
      const { Subscriptions } = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topic }),
      );
      const subscription = Subscriptions?.[0]?.SubscriptionArn;
      expect(subscription).toBeDefined();
      await refused(sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription })));
      await refused(
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subscription,
            AttributeName: "FilterPolicy",
            AttributeValue: JSON.stringify({ jobName: ["nothing"] }),
          }),
        ),
      );

      // Queues and topics of the client's own stay its to delete.
      const { QueueUrl: own } = await sqs.send(new CreateQueueCommand({ QueueName: "scratch" }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: own }));
      const { TopicArn: ownTopic } = await sns.send(new CreateTopicCommand({ Name: "scratch" }));
      await sns.send(new DeleteTopicCommand({ TopicArn: ownTopic }));

      // And the app goes on taking in and running jobs.
      expect((await postJob(server.url, "greet", { name: "Kept" })).status).toBe(202);
      await server.waitForLog((l) => l.msg === "greeted Kept");
    } finally {
      destroy();
    }
  });

  it("answers only loopback names and refuses writes from other sites, having no API key", async () => {
    const status = (path: string, headers: Record<string, string>, method = "GET") =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(`${server.url}${path}`, { method, headers }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on("error", reject);
        request.end();
      });
    expect(await status("/api/queues/greet", { host: "rebind.attacker.example" })).toBe(403);
    expect(await status("/api/queues/greet", { host: "localhost" })).toBe(200);
    const purge = "/api/queues/greet/purge";
    expect(await status(purge, { origin: "https://evil.example" }, "POST")).toBe(403);
  });

  it("documents every command and environment variable in --help", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const word of [
      "dev",
      "start",
      "send",
      "stats",
      "dlq",
      "OFFLOAD_DB",
      "OFFLOAD_API_KEY",
      "OFFLOAD_ALERT_WEBHOOK",
    ]) {
      expect(help.stdout).toContain(word);
    }
    // A command's own help lists the options every command takes.
    const sendHelp = await cli(["send", "--help"]);
    expect(sendHelp.stdout).toMatch(/\nGlobal Options:\n\s+-c, --config <file>[\s\S]*\n\s+--json /);
  });
});
