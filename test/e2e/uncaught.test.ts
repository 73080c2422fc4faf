import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appFolder, startServer } from "./server.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe("offload start, when an error escapes every request", () => {
  it("logs it at error level and keeps serving", async () => {
    const app = appFolder({ greet: `export default defineJob({ handler: async () => {} });` });
    cleanups.push(app.cleanup);
    // The config runs in the server's main thread: SIGUSR2 there throws from a signal handler
    // and rejects a promise no one awaits, outside any request.
    appendFileSync(
      join(app.dir, "offload.config.ts"),
      `process.on("SIGUSR2", () => {
  void Promise.reject(new Error("rejected outside any request"));
  throw new Error("thrown outside any request");
});\n`,
    );
    const server = await startServer(app.dir);
    cleanups.push(async () => {
      server.child.kill("SIGKILL");
      await server.exited;
    });
    server.child.kill("SIGUSR2");
    const thrown = await server.waitForLog((l) =>
      String((l.error as { message?: unknown } | undefined)?.message).includes("thrown outside"),
    );
    const rejected = await server.waitForLog((l) =>
      String((l.error as { message?: unknown } | undefined)?.message).includes("rejected outside"),
    );
    for (const line of [thrown, rejected]) {
      expect(line.level).toBe(50); // pino's error
      expect(line.msg).toContain("the server keeps serving");
    }
    const answer = await fetch(`${server.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobName: "greet", payload: {} }),
    });
    expect(answer.status).toBe(202);
    expect(server.child.exitCode).toBeNull();
  });
});
