import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { jobsFolder } from "../support/app.js";
import { tempDir } from "../support/temp.js";

const repo = resolve(import.meta.dirname, "../..");
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

/** Runs the child until it exits, sending SIGTERM when its batch has started. */
function runChild(dbPath: string, jobsDir: string, jobMs: number) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(repo, "test/fixtures/sigterm-child.ts"), dbPath, jobsDir],
    {
      cwd: repo,
      env: { ...process.env, JOB_MS: String(jobMs) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  cleanups.push(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  child.stderr.on("data", (chunk) => (err += chunk));
  child.stdout.on("data", (chunk) => {
    out += chunk;
    if (/^started /m.test(out) && !child.killed) child.kill("SIGTERM");
  });
  return new Promise<{ code: number | null; out: string; err: string }>((done) =>
    child.on("exit", (code) => done({ code, out, err })),
  );
}

function messagesLeft(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("graceful shutdown", () => {
  it("on SIGTERM during a batch, lets the batch finish, deletes its message and exits 0", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const jobs = jobsFolder({
      slow: `export default defineJob({ timeout: "10s", handler: async ({ ms }: { ms: number }) => { await new Promise((r) => setTimeout(r, ms)); } });`,
    });
    cleanups.push(jobs.cleanup);
    const db = join(dir, "app.db");
    const result = await runChild(db, jobs.dir, 300);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const started = /^started (.+)$/m.exec(result.out)?.[1];
    expect(result.out).toContain(`done ${started}`);
    expect(result.out.trimEnd().endsWith("stopped")).toBe(true);
    expect(messagesLeft(db)).toBe(0);
  });
});
