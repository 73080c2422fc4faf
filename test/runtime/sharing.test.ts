import { describe, expect, it } from "vitest";
import {
  BUSY_WEIGHT,
  FAILED_BATCH_BUSY_MS,
  SHARE_BELOW_BUSY_MS,
  SharingPolicy,
  STOP_SHARING_ABOVE_BUSY_MS,
} from "../../src/runtime/sandbox/sharing.js";

/** A policy fed these busy times, in order. */
function fed(...busyMs: number[]): SharingPolicy {
  const policy = new SharingPolicy();
  for (const ms of busyMs) policy.note(ms);
  return policy;
}

describe("sharing a worker between a job's batches", () => {
  it("starts apart, and shares once a batch was light", () => {
    expect(new SharingPolicy().sharing).toBe(false);
    expect(fed(SHARE_BELOW_BUSY_MS).sharing).toBe(true);
    expect(fed(SHARE_BELOW_BUSY_MS + 0.1).sharing).toBe(false);
  });

  it("keeps what it does while the average sits between the two lines", () => {
    const between = (SHARE_BELOW_BUSY_MS + STOP_SHARING_ABOVE_BUSY_MS) / 2;
    const sharing = fed(0);
    const apart = fed(STOP_SHARING_ABOVE_BUSY_MS * 4);
    for (let i = 0; i < 50; i++) {
      sharing.note(between);
      apart.note(between);
      expect(sharing.sharing).toBe(true);
      expect(apart.sharing).toBe(false);
    }
  });

  it("moves by a weighted average, so one heavy batch among light ones is not enough", () => {
    // From 0, a batch of b moves the average to BUSY_WEIGHT × b.
    const justUnder = STOP_SHARING_ABOVE_BUSY_MS / BUSY_WEIGHT;
    expect(fed(0, justUnder).sharing).toBe(true);
    expect(fed(0, justUnder + 1).sharing).toBe(false);
  });

  it("counts a failed batch as a heavy one: a worker each until many light batches ran", () => {
    const policy = fed(0);
    policy.noteFailed();
    expect(policy.sharing).toBe(false);
    // The average decays by (1 - BUSY_WEIGHT) per light batch until it is under the lower line.
    const needed = Math.ceil(
      Math.log(SHARE_BELOW_BUSY_MS / (BUSY_WEIGHT * FAILED_BATCH_BUSY_MS)) /
        Math.log(1 - BUSY_WEIGHT),
    );
    for (let i = 0; i < needed; i++) {
      expect(policy.sharing).toBe(false);
      policy.note(0);
    }
    expect(policy.sharing).toBe(true);
  });
});
