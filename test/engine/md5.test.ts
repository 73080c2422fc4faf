import { describe, expect, it } from "vitest";
import { md5OfAttributes, md5OfStoredAttributes } from "../../src/engine/sqs/md5.js";
import { serializeAttributes } from "../../src/engine/sqs/message-row.js";
import type { MessageAttributeValue } from "../../src/engine/sqs/types.js";

// MD5OfMessageAttributes values recorded from real SQS responses (AWS docs and
// SDK test fixtures); the AWS SDKs reject a response whose MD5 differs.
describe("MD5OfMessageAttributes", () => {
  it.each([
    [
      "one String",
      { Foo: { DataType: "String", StringValue: "Bar" } },
      "ae7155c6026991b6d54b11589678bf9c",
    ],
    [
      "a Number",
      { attr1: { DataType: "Number", StringValue: "99.12" } },
      "d302007e9aa062660afc85fd0a482472",
    ],
  ])("%s", (_label, attributes, expected) => {
    expect(md5OfAttributes(attributes)).toBe(expected);
  });

  it("sorts attributes by name, so insertion order does not matter", () => {
    const a = { DataType: "String", StringValue: "1" };
    const b = { DataType: "Number", StringValue: "2" };
    expect(md5OfAttributes({ alpha: a, beta: b })).toBe(md5OfAttributes({ beta: b, alpha: a }));
    expect(md5OfAttributes({ alpha: a, beta: b })).not.toBe(md5OfAttributes({ alpha: b, beta: a }));
  });

  it("is undefined without attributes", () => {
    expect(md5OfAttributes(undefined)).toBeUndefined();
    expect(md5OfAttributes({})).toBeUndefined();
  });

  it("hashes AWSTraceHeader the same way (MD5OfMessageSystemAttributes)", () => {
    expect(
      md5OfAttributes({
        AWSTraceHeader: {
          DataType: "String",
          StringValue: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        },
      }),
    ).toBe("5ae4d5d7636402d80f4eb6d213245a88");
  });

  it("uses transport byte 2 and raw bytes for Binary", () => {
    const binary = md5OfAttributes({
      b: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) },
    });
    const asString = md5OfAttributes({ b: { DataType: "String", StringValue: "\u0001\u0002" } });
    expect(binary).toMatch(/^[0-9a-f]{32}$/);
    expect(binary).not.toBe(asString);
  });
});

describe("MD5OfMessageAttributes kept by the stored attributes", () => {
  const store = (attributes: Record<string, MessageAttributeValue>) => {
    const stored = serializeAttributes(attributes);
    return md5OfStoredAttributes(stored, attributes);
  };

  it("answers what hashing answers, for a repeated set, its changed values and types, and binary values", () => {
    const sets: Array<Record<string, MessageAttributeValue>> = [
      { jobName: { DataType: "String", StringValue: "noop" } },
      { jobName: { DataType: "String", StringValue: "noop" } },
      { jobName: { DataType: "String", StringValue: "other" } },
      { jobName: { DataType: "String.custom", StringValue: "noop" } },
      { jobName: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) } },
      { jobName: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 4]) } },
      {
        jobName: { DataType: "String", StringValue: "noop" },
        n: { DataType: "Number", StringValue: "1" },
      },
    ];
    for (const attributes of sets) expect(store(attributes)).toBe(md5OfAttributes(attributes));
    expect(new Set(sets.map(store)).size).toBe(sets.length - 1);
  });

  it("stays right past the number of sets it keeps", () => {
    for (let i = 0; i < 600; i++) {
      const attributes = { jobName: { DataType: "String", StringValue: `job-${i % 300}` } };
      expect(store(attributes)).toBe(md5OfAttributes(attributes));
    }
  });

  it("is undefined without attributes", () => {
    expect(md5OfStoredAttributes(serializeAttributes({}), {})).toBeUndefined();
    expect(md5OfStoredAttributes(null, undefined)).toBeUndefined();
  });
});
