import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import type { QueueMessage } from "../../src/core/transport.js";
import { loadJobs } from "../../src/runtime/load-jobs.js";
import { JobSandbox } from "../../src/runtime/sandbox/job-sandbox.js";
import { DEFAULT_LOG_LIMITS } from "../../src/runtime/sandbox/log-limits.js";
import { bundleWorkers } from "../../src/runtime/sandbox/worker-bundle.js";
import { jobsFolder } from "../support/app.js";
import { recordingLogger } from "../support/recording-logger.js";

// "flood" logs `lines` lines of `size` characters, through ctx.logger or console.log, as fast
// as it can; "big" logs one line of `size` characters both ways; "say" console.logs `text`.
const kit = `
export default defineJob({
  timeout: "60s",
  handler: async (p, ctx) => {
    if (p.op === "flood") {
      const line = "f".repeat(p.size);
      for (let i = 0; i < p.lines; i++) {
        if (p.via === "console") console.log("flood " + line);
        else ctx.logger.info({ i }, "flood " + line);
      }
    } else if (p.op === "big") {
      ctx.logger.info({ body: "b".repeat(p.size) }, "m".repeat(p.size));
      console.log("c".repeat(p.size));
    } else if (p.op === "say") {
      console.log(p.text);
    }
  },
});`;

const { linesPerSecond, charsPerSecond, maxLineChars } = DEFAULT_LOG_LIMITS;
const NOTE =
  /^\[offload: ([\d,]+) log lines dropped from job kit, over [\d,]+ (lines|characters)\/s\]$/;

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** What reached the worker's stdout, and a way to wait for a text in it. */
function capture() {
  let text = "";
  const waiters: Array<() => void> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      for (const wake of waiters.splice(0)) wake();
      done();
    },
  });
  return {
    stream,
    text: () => text,
    async waitFor(marker: string) {
      while (!text.includes(marker)) await new Promise<void>((wake) => waiters.push(wake));
    },
  };
}

async function setup() {
  const folder = jobsFolder({ kit });
  cleanups.push(folder.cleanup);
  const [job] = await loadJobs(folder.dir);
  const log = recordingLogger();
  const bundles = await bundleWorkers([job!], log.logger);
  cleanups.push(() => bundles.dispose());
  const clock = new TestClock();
  const stdout = capture();
  const sandbox = new JobSandbox({
    job: job!,
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:kit",
    awsRegion: "us-east-1",
    clock,
    logger: log.logger,
    workerFile: bundles.file("kit"),
    output: { stdout: stdout.stream, stderr: stdout.stream },
  });
  cleanups.push(() => sandbox.close());
  await sandbox.warm();
  let seq = 0;
  const run = async (payload: unknown) => {
    seq++;
    const message: QueueMessage = {
      messageId: `m-${seq}`,
      receiptHandle: `r-${seq}`,
      body: JSON.stringify(payload),
      md5OfBody: "",
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
    };
    expect(await sandbox.run([message], 60_000)).toEqual({ kind: "succeeded" });
  };
  const notes = () => log.records.filter((r) => NOTE.test(r.message));
  /** Moves to the next window of the worker's log allowance, and waits for its note. */
  const nextWindow = async () => {
    const before = notes().length;
    clock.advance(1000);
    await log.waitFor(() => notes().length > before);
    return notes()[before]!;
  };
  return { run, log, stdout, notes, nextWindow, clock };
}

describe("a job that logs steadily below the limit", () => {
  it("has every line delivered, however many it logs over time", async () => {
    const s = await setup();
    const floods = () => s.log.records.filter((r) => r.message.startsWith("flood "));
    // 600 lines a window, 3,000 in all: well over one window's allowance, never over the rate.
    for (let window = 1; window <= 5; window++) {
      await s.run({ op: "flood", via: "logger", lines: 600, size: 10 });
      expect(floods()).toHaveLength(600 * window);
      s.clock.advance(1000);
    }
    expect(s.notes()).toEqual([]);
  });
});

describe("a job that logs heavily", () => {
  it("has at most a window's allowance of ctx.logger lines delivered, and a note of the rest", async () => {
    const s = await setup();
    const floods = () => s.log.records.filter((r) => r.message.startsWith("flood "));

    // An app's ordinary logging goes through whole.
    await s.run({ op: "flood", via: "logger", lines: 100, size: 100 });
    expect(floods()).toHaveLength(100);

    // 50 MB in a burst: what crosses to the runtime is bounded by the allowance.
    await s.run({ op: "flood", via: "logger", lines: 50_000, size: 1000 });
    const delivered = floods().length - 100;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered + 100).toBeLessThanOrEqual(linesPerSecond);
    const chars = floods().reduce((sum, r) => sum + r.message.length, 0);
    expect(chars).toBeLessThanOrEqual(charsPerSecond);
    // Without time passing, nothing more crosses, however much is logged.
    await s.run({ op: "flood", via: "logger", lines: 10_000, size: 10 });
    expect(floods().length - 100).toBe(delivered);

    const note = await s.nextWindow();
    expect(note.level).toBe("warn");
    const dropped = Number(NOTE.exec(note.message)![1]!.replaceAll(",", ""));
    expect(dropped + delivered + 100).toBe(100 + 50_000 + 10_000);

    // The next window lets lines through again.
    await s.run({ op: "flood", via: "logger", lines: 10, size: 10 });
    expect(floods().length - 100).toBe(delivered + 10);
  });

  it("has at most a window's allowance of console output delivered, and a note of the rest", async () => {
    const s = await setup();
    await s.run({ op: "flood", via: "console", lines: 50_000, size: 1000 });
    const note = await s.nextWindow();
    await s.run({ op: "say", text: "marker" });
    await s.stdout.waitFor("marker");

    const lines = s.stdout
      .text()
      .split("\n")
      .filter((l) => l.startsWith("flood "));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(linesPerSecond);
    expect(lines.join("\n").length).toBeLessThanOrEqual(charsPerSecond);
    const dropped = Number(NOTE.exec(note.message)![1]!.replaceAll(",", ""));
    expect(dropped + lines.length).toBe(50_000);
  });

  it("has a line over the limit cut, saying how much was", async () => {
    const s = await setup();
    await s.run({ op: "big", size: 1_000_000 });
    await s.run({ op: "say", text: "marker" });
    await s.stdout.waitFor("marker");

    const cut = new RegExp(
      `… \\[offload: [\\d,]+ characters cut, over ${maxLineChars.toLocaleString("en-US")} per line\\]`,
    );
    const record = s.log.records.find((r) => r.message.startsWith("mmm"))!;
    expect(record.message).toMatch(cut);
    expect(record.message.length + JSON.stringify(record.fields).length).toBeLessThanOrEqual(
      maxLineChars + 500,
    );
    expect(String((record.fields as { body: string }).body)).toMatch(cut);

    const line = s.stdout
      .text()
      .split("\n")
      .find((l) => l.startsWith("ccc"))!;
    expect(line).toMatch(cut);
    expect(line.length).toBeLessThanOrEqual(maxLineChars + 200);
  });
});
