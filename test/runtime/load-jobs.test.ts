import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { loadJobs } from "../../src/runtime/index.js";
import { jobsFolder } from "../support/app.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

function folder(sources: Record<string, string>, raw: Record<string, string> = {}): string {
  const f = jobsFolder(sources);
  cleanups.push(f.cleanup);
  for (const [file, text] of Object.entries(raw)) writeFileSync(join(f.dir, file), text);
  return f.dir;
}

const ok = "export default defineJob({ handler: async () => {} });";

describe("loadJobs", () => {
  it("finds every job file in sorted order, named by file name", async () => {
    const dir = folder(
      { "send-welcome-email": ok, greeting: ok, "resize_image-2": ok },
      {
        "notes.md": "# not a job",
        "helper.d.ts": "export {};",
        "greeting.test.ts": "export {};",
        "_shared.ts": "export const x = 1;",
      },
    );
    const jobs = await loadJobs(dir);
    expect(jobs.map((j) => j.name)).toEqual(["greeting", "resize_image-2", "send-welcome-email"]);
    expect(jobs[0]?.file).toBe(join(dir, "greeting.ts"));
    expect(jobs[0]?.definition.options.timeoutMs).toBe(15_000);
  });

  it("loads .js and .mjs job files too", async () => {
    const dir = folder(
      {},
      {
        "plain.mjs": `export default (await import("${join(import.meta.dirname, "../../src/core/index.ts")}")).defineJob({ handler: async () => {} });`,
      },
    );
    expect((await loadJobs(dir)).map((j) => j.name)).toEqual(["plain"]);
  });

  it.each([
    [
      "a file without a default export",
      { lonely: "export const job = 1;" },
      /lonely\.ts: a job file must `export default defineJob\(\{\.\.\.\}\)`; its default export is missing$/,
    ],
    [
      "a default export that is not a job",
      { wrong: "export default { handler: async () => {} };" },
      /wrong\.ts: .*its default export is an object that is not a defineJob\(\) result$/,
    ],
    [
      "a file that throws while loading",
      { broken: 'throw new Error("kaboom");' },
      /broken\.ts: failed to load: kaboom$/,
    ],
    [
      "invalid job options",
      { bad: 'export default defineJob({ timeout: "20m", handler: async () => {} });' },
      /bad\.ts: failed to load: Invalid job options \(1 problem\):\n- timeout 20m is above 15m/,
    ],
    [
      "a name with capitals",
      { Greeting: ok },
      /Greeting\.ts: the job name "Greeting" \(the file name\) must be 1 to 63 lowercase letters, digits, '-' or '_'/,
    ],
  ])("reports %s, naming the file", async (_label, sources, message) => {
    await expect(loadJobs(folder(sources))).rejects.toThrow(message);
  });

  it("reports two files with the same job name", async () => {
    const dir = folder({ greeting: ok }, { "greeting.mjs": "export default 1;" });
    await expect(loadJobs(dir)).rejects.toThrow(
      /greeting\.ts: job "greeting" is already defined by .*greeting\.mjs$/,
    );
  });

  it("gives up on a job file whose module code does not finish within 10 s, naming it", async () => {
    const dir = folder({
      stuck: `await new Promise(() => {});\nexport default defineJob({ handler: async () => {} });`,
    });
    const clock = new TestClock();
    const loading = loadJobs(dir, { clock });
    const failed = expect(loading).rejects.toThrow(
      `${join(dir, "stuck.ts")}: its module code did not finish within 10 s (a top-level await that never settles?); Lambda stops a function's init at 10 s too`,
    );
    clock.advance(9_999);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    await failed;
    // A file that loads in time leaves no timer behind.
    const fine = new TestClock();
    await loadJobs(folder({ quick: ok }), { clock: fine });
    expect(fine.pendingTimers).toBe(0);
  });

  it("reports a missing folder", async () => {
    await expect(loadJobs("/nonexistent/jobs")).rejects.toThrow(
      /^Cannot read the jobs folder \/nonexistent\/jobs: /,
    );
  });
});
