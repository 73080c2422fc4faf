import { describe, expect, it } from "vitest";
import { defineJob } from "../../src/core/define-job.js";
import { toError } from "../../src/core/errors.js";
import type { QueueMessage } from "../../src/core/transport.js";
import { CollectedActions } from "../../src/lambda/message-actions.js";
import { createSqsHandler } from "../../src/lambda/sqs-handler.js";
import { toSqsEvent } from "../../src/runtime/sqs-event.js";

/** 4,096 characters, with room for the "Non-error thrown: " prefix and the "… (N characters in all)" note. */
const BOUND = 4096 + 100;

const revoked = Proxy.revocable({}, {});
revoked.revoke();
const trapsThrow = new Proxy(
  {},
  {
    get() {
      throw new Error("get trap");
    },
    getPrototypeOf() {
      throw new Error("getPrototypeOf trap");
    },
    ownKeys() {
      throw new Error("ownKeys trap");
    },
    getOwnPropertyDescriptor() {
      throw new Error("getOwnPropertyDescriptor trap");
    },
  },
);
// A Proxy that claims to be an Error, but whose message cannot be read.
const fakeError = new Proxy(new Error("hidden"), {
  get() {
    throw new Error("get trap");
  },
});
const huge = "x".repeat(5_000_000);
const wide = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`key${i}`, i]));

const cases: Array<[what: string, thrown: unknown, expected: string | RegExp]> = [
  ["a Symbol", Symbol("boom"), "Non-error thrown: Symbol(boom)"],
  ["a Symbol without a description", Symbol(), "Non-error thrown: Symbol()"],
  ["a BigInt", 10n, "Non-error thrown: 10n"],
  [
    "an object whose toString and toJSON throw",
    {
      toString() {
        throw new Error("toString");
      },
      toJSON() {
        throw new Error("toJSON");
      },
    },
    "Non-error thrown: [object Object]",
  ],
  [
    "an object whose Symbol.toStringTag getter throws too",
    {
      toJSON() {
        throw new Error("toJSON");
      },
      get [Symbol.toStringTag]() {
        throw new Error("tag");
      },
    },
    "Non-error thrown: an object that cannot be described",
  ],
  ["a revoked Proxy", revoked.proxy, "Non-error thrown: an object that cannot be described"],
  ["a Proxy whose traps throw", trapsThrow, "Non-error thrown: an object that cannot be described"],
  ["a Proxy of an Error whose message cannot be read", fakeError, /^Non-error thrown: /],
  ["a function", function named() {}, "Non-error thrown: a function named"],
  ["an object too large to describe", wide, "Non-error thrown: [object Object]"],
];

describe("toError", () => {
  it.each(cases)("describes %s safely, in bounded words", (_, thrown, expected) => {
    const error = toError(thrown);
    expect(error).toBeInstanceOf(Error);
    if (typeof expected === "string") expect(error.message).toBe(expected);
    else expect(error.message).toMatch(expected);
    expect(error.message.length).toBeLessThanOrEqual(BOUND);
  });

  it("cuts a thrown string of megabytes, and keeps Errors and short values as they are", () => {
    expect(toError(huge).message).toMatch(/^x{4096}… \(5000000 characters in all\)$/);
    const error = new TypeError("as is");
    expect(toError(error)).toBe(error);
    expect(toError(undefined).message).toBe("Non-error thrown: undefined");
    expect(toError(null).message).toBe("Non-error thrown: null");
    expect(toError({ reason: "nope" }).message).toBe('Non-error thrown: {"reason":"nope"}');
    expect(toError("said").message).toBe("said");
  });
});

describe("a handler that throws a value that is not an Error", () => {
  const message = (id: string): QueueMessage => ({
    messageId: id,
    receiptHandle: `r-${id}`,
    body: "{}",
    md5OfBody: "",
    attributes: { ApproximateReceiveCount: "1" },
    messageAttributes: {},
  });

  it.each([
    ["a Symbol", Symbol("boom"), "Non-error thrown: Symbol(boom)"],
    [
      "a Proxy whose traps throw",
      trapsThrow,
      "Non-error thrown: an object that cannot be described",
    ],
  ])("has its attempt recorded as failed with %s described", async (_, thrown, expected) => {
    const job = defineJob({
      handler: async () => {
        throw thrown;
      },
    });
    const handler = createSqsHandler(job as never, {
      jobName: "thrower",
      actions: new CollectedActions(),
    });
    const event = toSqsEvent(
      [message("m-1")],
      "arn:aws:sqs:us-east-1:000000000000:thrower",
      "us-east-1",
    );
    const result = await handler.process(event);
    expect(result.outcomes).toEqual([
      expect.objectContaining({
        status: "failed",
        error: expect.objectContaining({ message: expected }),
      }),
    ]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
  });
});
