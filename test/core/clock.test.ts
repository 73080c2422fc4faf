import { describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";

describe("TestClock", () => {
  it("fires due timers in order with now() at their due time", () => {
    const clock = new TestClock(1000);
    const seen: Array<[string, number]> = [];
    clock.setTimer(() => seen.push(["b", clock.now()]), 20);
    clock.setTimer(() => seen.push(["a", clock.now()]), 10);
    clock.setTimer(() => seen.push(["c", clock.now()]), 30);
    clock.advance(25);
    expect(seen).toEqual([
      ["a", 1010],
      ["b", 1020],
    ]);
    expect(clock.now()).toBe(1025);
    expect(clock.pendingTimers).toBe(1);
  });

  it("fires timers scheduled by timers within the same advance", () => {
    const clock = new TestClock(0);
    const seen: number[] = [];
    clock.setTimer(() => {
      seen.push(clock.now());
      clock.setTimer(() => seen.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(seen).toEqual([5, 10]);
  });

  it("does not fire cleared timers", () => {
    const clock = new TestClock(0);
    let fired = false;
    const handle = clock.setTimer(() => {
      fired = true;
    }, 5);
    clock.clearTimer(handle);
    clock.advance(10);
    expect(fired).toBe(false);
  });

  it("only moves forward", () => {
    const clock = new TestClock(100);
    expect(() => clock.set(50)).toThrow(RangeError);
  });
});
