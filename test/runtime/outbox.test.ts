import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/runtime/outbox.js";

describe("Outbox", () => {
  it("posts items together: at maxItems at once, the rest when the schedule runs", () => {
    const posted: number[][] = [];
    const scheduled: Array<() => void> = [];
    const box = new Outbox<number>((items) => posted.push(items), {
      schedule: (flush) => scheduled.push(flush),
      maxItems: 3,
      undeliverable: () => {
        throw new Error("nothing here is undeliverable");
      },
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

  it("posts the rest of a batch one by one when one item cannot be posted, and fails only it", () => {
    const posted: number[][] = [];
    const failed: Array<[number, unknown]> = [];
    const scheduled: Array<() => void> = [];
    const box = new Outbox<number>(
      (items) => {
        // As postMessage does on a value it cannot clone.
        if (items.includes(13)) throw new RangeError("Maximum call stack size exceeded");
        posted.push(items);
      },
      {
        schedule: (flush) => scheduled.push(flush),
        undeliverable: (item, error) => failed.push([item, error]),
      },
    );
    for (const i of [12, 13, 14]) box.push(i);
    expect(() => scheduled.shift()!()).not.toThrow();
    expect(posted).toEqual([[12], [14]]);
    expect(failed).toEqual([[13, expect.any(RangeError)]]);
    // The box goes on posting later batches whole.
    box.push(15);
    box.flush();
    expect(posted.at(-1)).toEqual([15]);
  });
});
