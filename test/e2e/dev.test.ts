import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appFolder, cli, postJob, type Server, startServer } from "./server.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function stopWith(server: Server) {
  cleanups.push(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
  });
}

/** A dev server on a fresh app folder of these job files; stopped and removed after the test. */
async function devApp(jobs: Record<string, string>) {
  const app = appFolder(jobs);
  cleanups.push(app.cleanup);
  const server = await startServer(app.dir, {}, "dev");
  stopWith(server);
  return { dir: app.dir, server };
}

describe("offload dev", () => {
  it("restarts the jobs with the new code when a job file changes", async () => {
    const { dir, server } = await devApp({
      hello: `export default defineJob({ handler: async (_p, ctx) => { ctx.logger.info("version one"); } });`,
    });
    await postJob(server.url, "hello", {});
    await server.waitForLog((l) => l.msg === "version one");
    writeFileSync(
      join(dir, "jobs", "hello.ts"),
      `import { defineJob } from "offload";\nexport default defineJob({ handler: async (_p, ctx) => { ctx.logger.info("version two"); } });\n`,
    );
    await server.waitForLog((l) =>
      String(l.msg).startsWith("job files changed: runtime restarted"),
    );
    await postJob(server.url, "hello", {});
    await server.waitForLog((l) => l.msg === "version two");
  });

  it("keeps the running version when a changed job file is broken, and says why", async () => {
    const { dir, server } = await devApp({
      hello: `export default defineJob({ handler: async (_p, ctx) => { ctx.logger.info("still here"); } });`,
    });
    writeFileSync(
      join(dir, "jobs", "hello.ts"),
      `import { defineJob } from "offload";\nexport default defineJob({ timeout: "1h", handler: async () => {} });\n`,
    );
    const line = await server.waitForLog((l) =>
      String(l.msg).startsWith("job files changed but could not be loaded"),
    );
    // The whole multi-line message stays on the record's one line, quoted.
    expect(String(line.raw)).toMatch(
      /error="\S+hello\.ts: failed to load: Invalid job options \(1 problem\):\\n.*timeout.*"$/,
    );
    await postJob(server.url, "hello", {});
    await server.waitForLog((l) => l.msg === "still here");
  });
});

describe("offload dev, when changed jobs do not start", () => {
  it("runs the previous version again, as its log line says", async () => {
    const { dir, server } = await devApp({
      hello: `export default defineJob({ handler: async (_p, ctx) => { ctx.logger.info("hello ran"); } });`,
    });
    // A new job that loads here but not in its worker: the new version cannot start.
    writeFileSync(
      join(dir, "jobs", "picky.ts"),
      `import { defineJob } from "offload";\nimport { workerData } from "node:worker_threads";\nif (workerData?.jobFile) throw new Error("picky will not start in a worker");\nexport default defineJob({ handler: async () => {} });\n`,
    );
    const line = await server.waitForLog((l) =>
      String(l.msg).startsWith("job files changed but could not be loaded"),
    );
    expect(String(line.raw)).toContain("picky will not start in a worker");
    expect((await postJob(server.url, "hello", {})).status).toBe(202);
    await server.waitForLog((l) => l.msg === "hello ran");
  });
});

describe("offload dev, when a job file is removed", () => {
  it("says that the job's queue still holds jobs nothing runs", async () => {
    const { dir, server } = await devApp({
      hello: `export default defineJob({ handler: async () => {} });`,
      later: `export default defineJob({ delay: "10m", handler: async () => {} });`,
    });
    expect((await postJob(server.url, "later", {})).status).toBe(202);
    rmSync(join(dir, "jobs", "later.ts"));
    const line = await server.waitForLog((l) => String(l.msg).startsWith("the queue of job later"));
    expect(line).toMatchObject({
      level: "WARN",
      msg: "the queue of job later holds 1 job(s) and its DLQ 0, but the jobs folder has no file for it: nothing runs them until the file is back",
    });
  });
});

describe("listening beyond loopback", () => {
  it("refuses to start without an API key", async () => {
    const app = appFolder({ hello: `export default defineJob({ handler: async () => {} });` });
    cleanups.push(app.cleanup);
    const result = await cli([
      "start",
      "--config",
      join(app.dir, "offload.config.ts"),
      "--host",
      "0.0.0.0",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'offload: Refusing to listen on 0.0.0.0 without an API key: set OFFLOAD_API_KEY (clients send it as "Authorization: Bearer <key>"), or listen on 127.0.0.1\n',
    );
  });

  it("requires the key on /jobs and /api once it is set", async () => {
    const app = appFolder({ hello: `export default defineJob({ handler: async () => {} });` });
    cleanups.push(app.cleanup);
    const server = await startServer(app.dir, {
      OFFLOAD_API_KEY: "s3cret",
      OFFLOAD_HOST: "0.0.0.0",
    });
    stopWith(server);
    const url = server.url.replace("0.0.0.0", "127.0.0.1");
    expect((await postJob(url, "hello", {})).status).toBe(401);
    const ok = await fetch(`${url}/jobs/hello`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer s3cret" },
      body: "{}",
    });
    expect(ok.status).toBe(202);
    const stats = await cli(["stats", "--url", url, "--api-key", "s3cret", "--json"]);
    expect(stats.code).toBe(0);
    const denied = await cli(["stats", "--url", url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^offload: /);
  });
});
