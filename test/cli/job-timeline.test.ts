import { describe, expect, it } from "vitest";
import { timeline } from "../../src/cli/commands/job-commands.js";
import type { JobStatus } from "../../src/core/job-status.js";

const at = "2026-01-01T00:00:00.000Z";
const queued: JobStatus = {
  jobId: "order-1",
  jobName: "greet",
  state: "queued",
  acceptedAt: at,
  updatedAt: at,
  finishedAt: null,
  runAt: null,
  attempts: [],
  progress: null,
  result: null,
  idempotencyKey: null,
  cancelRequested: false,
  events: [{ type: "accepted", at }],
};

describe("offload job's timeline", () => {
  it("shows the payload on one line under the state, cut at 120 characters", () => {
    const short = timeline({ ...queued, payload: { friendName: "Ada", tags: ["a"] } });
    expect(short.split("\n")).toEqual([
      "job order-1 (greet): queued",
      'payload    {"friendName":"Ada","tags":["a"]}',
      `${at}  accepted`,
    ]);
    const long = timeline({ ...queued, payload: { text: "line\n".repeat(100) } });
    const [, line] = long.split("\n");
    expect(line).toMatch(/^payload {4}\{"text":"(line\\n)+\S*…$/);
    expect(line).toHaveLength("payload    ".length + 120);
    expect(long.split("\n")).toHaveLength(3);
    // A finished job has no payload, and no line for it.
    expect(timeline({ ...queued, state: "succeeded" }).split("\n")).toEqual([
      "job order-1 (greet): succeeded",
      `${at}  accepted`,
    ]);
  });
});
