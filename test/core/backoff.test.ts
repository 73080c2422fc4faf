import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/core/backoff.js";
import { OffloadError } from "../../src/core/errors.js";
import { resolveJobOptions } from "../../src/core/job-options.js";

const handler = async () => {};
const options = (extra: Record<string, unknown>) =>
  resolveJobOptions({ handler, ...extra }).resolved;
const fixed = (value: number) => () => value;

describe("retryDelaySeconds", () => {
  it("is retryDelay without backoff, whatever the attempt", () => {
    expect(retryDelaySeconds(options({}), 1)).toBe(90);
    expect(retryDelaySeconds(options({ retryDelay: "5m" }), 1)).toBe(300);
    expect(retryDelaySeconds(options({ retryDelay: "5m" }), 7)).toBe(300);
    expect(retryDelaySeconds(options({ retryDelay: "12h" }), 1)).toBe(43_200);
  });

  it("doubles from initialDelay up to maxDelay without jitter", () => {
    const resolved = options({ backoff: { initialDelay: "2s", maxDelay: "30s", jitter: "none" } });
    const delays = [1, 2, 3, 4, 5, 6, 10].map((attempt) => retryDelaySeconds(resolved, attempt));
    expect(delays).toEqual([2, 4, 8, 16, 30, 30, 30]);
  });

  it("caps at maxDelay's default, 12 hours, even for absurd attempts", () => {
    const resolved = options({ backoff: { initialDelay: "1m", jitter: "none" } });
    expect(retryDelaySeconds(resolved, 10)).toBe(60 * 512);
    expect(retryDelaySeconds(resolved, 11)).toBe(43_200);
    expect(retryDelaySeconds(resolved, 1000)).toBe(43_200);
    expect(retryDelaySeconds(resolved, 1100)).toBe(43_200); // 2 ** 1099 is Infinity
  });

  it("never exceeds 43,200 s, even for options built by hand", () => {
    const resolved = options({ backoff: { initialDelay: "1h", jitter: "none" } });
    const unchecked = {
      ...resolved,
      retryDelayMs: 86_400_000,
      backoff: { initialDelayMs: 3_600_000, maxDelayMs: 86_400_000, jitter: "none" as const },
    };
    expect(retryDelaySeconds(unchecked, 6)).toBe(43_200);
    expect(retryDelaySeconds({ ...unchecked, backoff: undefined }, 1)).toBe(43_200);
  });

  it("takes a random share of the computed delay with full jitter", () => {
    const resolved = options({ backoff: { initialDelay: "10s", maxDelay: "1h" } });
    expect(retryDelaySeconds(resolved, 1, fixed(0.5))).toBe(5);
    expect(retryDelaySeconds(resolved, 3, fixed(0.5))).toBe(20);
    expect(retryDelaySeconds(resolved, 3, fixed(0.99))).toBe(39);
    expect(retryDelaySeconds(resolved, 20, fixed(0.25))).toBe(900);
  });

  it("floors the jittered delay and never goes below 1 second", () => {
    const resolved = options({ backoff: { initialDelay: "3s" } });
    expect(retryDelaySeconds(resolved, 1, fixed(0.7))).toBe(2); // 2.1 s
    expect(retryDelaySeconds(resolved, 1, fixed(0))).toBe(1);
    expect(retryDelaySeconds(resolved, 2, fixed(0.1))).toBe(1); // 0.6 s
  });

  it("uses Math.random by default, within [1, computed]", () => {
    const resolved = options({ backoff: { initialDelay: "100s" } });
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const delay = retryDelaySeconds(resolved, 1);
      expect(delay).toBeGreaterThanOrEqual(1);
      expect(delay).toBeLessThan(100);
      seen.add(delay);
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects attempt %d", (attempt) => {
    let error: unknown;
    try {
      retryDelaySeconds(options({}), attempt);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OffloadError);
    expect((error as OffloadError).code).toBe("InvalidAttempt");
    expect((error as OffloadError).message).toBe(
      `attempt ${attempt} is not a whole number of at least 1 (the receive count)`,
    );
  });
});
