import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appFolder, type Server, startServer } from "./server.js";

// Kill the server with SIGKILL while 20 clients post jobs; restart it on the
// same database; every job that got a 202 must be processed at least once.
// The job appends its id to a file, so "processed" survives the kill too.
const folder = appFolder({
  record: `import { appendFileSync } from "node:fs";
export default defineJob({ timeout: "1s", retryDelay: "1s", concurrency: 10, batchSize: 10,
  handler: async (p: { id: string }) => { appendFileSync(process.env.E2E_PROCESSED!, p.id + "\\n"); } });`,
});
const processedFile = join(folder.dir, "processed.txt");
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.child.kill("SIGKILL");
    await s.exited;
  }
  folder.cleanup();
});

async function client(
  url: string,
  n: number,
  accepted: Set<string>,
  stop: { now: boolean },
): Promise<void> {
  for (let i = 0; !stop.now; i++) {
    const id = `c${n}-${i}`;
    try {
      const response = await fetch(`${url}/jobs/record`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id }),
      });
      if (response.status === 202) accepted.add(id);
      else await response.text();
    } catch {
      return; // the server is gone
    }
  }
}

describe("durability of POST /jobs", () => {
  it("loses no accepted job when the server is killed mid-traffic", async () => {
    writeFileSync(processedFile, "");
    const env = { E2E_PROCESSED: processedFile };
    const first = await startServer(folder.dir, env);
    servers.push(first);
    const accepted = new Set<string>();
    const stop = { now: false };
    const clients = Array.from({ length: 20 }, (_, n) => client(first.url, n, accepted, stop));
    // Kill once a good number of jobs were accepted and are being processed.
    while (accepted.size < 300) await new Promise((r) => setTimeout(r, 10));
    first.child.kill("SIGKILL");
    await first.exited;
    stop.now = true;
    await Promise.all(clients);
    expect(accepted.size).toBeGreaterThanOrEqual(300);

    const second = await startServer(folder.dir, env);
    servers.push(second);
    // Jobs that were running at the kill come back after their 1 s visibility timeout.
    const processed = () =>
      new Set(readFileSync(processedFile, "utf8").split("\n").filter(Boolean));
    await expect
      .poll(() => [...accepted].filter((id) => !processed().has(id)).length, {
        timeout: 20_000,
        interval: 100,
      })
      .toBe(0);
    const queues = (await (await fetch(`${second.url}/api/queues/record`)).json()) as {
      dlq: { visible: number };
    };
    expect(queues.dlq.visible).toBe(0);
  }, 60_000);
});
