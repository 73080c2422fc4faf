import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/runtime/outbox.js";

describe("Outbox", () => {
  it("posts items together: at maxItems at once, the rest when the schedule runs", () => {
    const posted: number[][] = [];
    const scheduled: Array<() => void> = [];
    const box = new Outbox<number>((items) => posted.push(items), {
      schedule: (flush) => scheduled.push(flush),
      maxItems: 3,
    });
    for (let i = 1; i <= 5; i++) box.push(i);
    expect(posted).toEqual([[1, 2, 3]]);
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(posted).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    scheduled.length = 0;
    box.push(6);
    expect(scheduled).toHaveLength(1);
  });
});
