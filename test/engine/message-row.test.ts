import { describe, expect, it } from "vitest";
import { receivedAttributes, serializeAttributes } from "../../src/engine/sqs/message-row.js";
import type { MessageAttributeValue } from "../../src/engine/sqs/types.js";

const text = (value: string): MessageAttributeValue => ({ DataType: "String", StringValue: value });

/** A job's message attributes as the engine stores them: its name, its id, a trace header. */
const stored = (jobId: string) =>
  serializeAttributes({
    jobName: text("greet"),
    jobId: text(jobId),
    traceparent: text("00-abc-def-01"),
  });

describe("message attributes as received", () => {
  it("gives each job's message its own id, sharing the attributes they repeat", () => {
    const first = receivedAttributes(stored("0193a5b2-7c1d-7e3f-8a9b-000000000001"));
    const second = receivedAttributes(stored("0193a5b2-7c1d-7e3f-8a9b-000000000002"));
    expect(first.jobId).toEqual({
      dataType: "String",
      stringValue: "0193a5b2-7c1d-7e3f-8a9b-000000000001",
    });
    expect(second.jobId?.stringValue).toBe("0193a5b2-7c1d-7e3f-8a9b-000000000002");
    // Parsed once for both: the repeated attributes are the same frozen objects.
    expect(second.jobName).toBe(first.jobName);
    expect(second.traceparent).toBe(first.traceparent);
    expect(Object.keys(second)).toEqual(["jobName", "jobId", "traceparent"]);
    expect(Object.isFrozen(second.jobName)).toBe(true);
    expect(second).toEqual({
      jobName: { dataType: "String", stringValue: "greet" },
      jobId: { dataType: "String", stringValue: "0193a5b2-7c1d-7e3f-8a9b-000000000002" },
      traceparent: { dataType: "String", stringValue: "00-abc-def-01" },
    });

    // Ids that need unescaping, other data types and binary attributes are read whole.
    expect(receivedAttributes(stored('a "quoted" \\ id')).jobId?.stringValue).toBe(
      'a "quoted" \\ id',
    );
    const numeric = serializeAttributes({ jobId: { DataType: "Number", StringValue: "42" } });
    expect(receivedAttributes(numeric).jobId).toEqual({ dataType: "Number", stringValue: "42" });
    const binary = serializeAttributes({
      jobId: text("job-1"),
      blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
    });
    const received = receivedAttributes(binary);
    expect(received.jobId?.stringValue).toBe("job-1");
    expect(received.blob).toEqual({ dataType: "Binary", binaryValue: new Uint8Array([1, 2, 3]) });
    const again = receivedAttributes(
      serializeAttributes({
        jobId: text("job-2"),
        blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
      }),
    );
    expect(again.jobId?.stringValue).toBe("job-2");
    expect(again.blob).not.toBe(received.blob);
  });
});
