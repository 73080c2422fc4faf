import { describe, expect, it } from "vitest";
import type { QueueMessage } from "../../src/core/transport.js";
import { toSqsEvent } from "../../src/runtime/sqs-event.js";

const arn = "arn:aws:sqs:eu-west-1:000000000000:greeting";

const message = (overrides: Partial<QueueMessage> = {}): QueueMessage => ({
  messageId: "0b2f4c2e-3d7a-4c52-9a55-4f7f2f6a1e01",
  receiptHandle: "handle-1",
  body: '{"friendName":"Hank"}',
  md5OfBody: "6f0c3c4c1a0c4b2f8f7c7b6d5e4a3b2c",
  attributes: {
    SenderId: "000000000000",
    SentTimestamp: "1700000000000",
    ApproximateReceiveCount: "2",
    ApproximateFirstReceiveTimestamp: "1700000000500",
  },
  messageAttributes: { jobName: { dataType: "String", stringValue: "greeting" } },
  ...overrides,
});

describe("the SQS event the runtime builds (in the worker)", () => {
  it("has the record Lambda's SQS event source delivers", () => {
    expect(toSqsEvent([message()], arn, "eu-west-1")).toEqual({
      Records: [
        {
          messageId: "0b2f4c2e-3d7a-4c52-9a55-4f7f2f6a1e01",
          receiptHandle: "handle-1",
          body: '{"friendName":"Hank"}',
          attributes: {
            ApproximateReceiveCount: "2",
            SentTimestamp: "1700000000000",
            SenderId: "000000000000",
            ApproximateFirstReceiveTimestamp: "1700000000500",
          },
          messageAttributes: {
            jobName: {
              stringValue: "greeting",
              stringListValues: [],
              binaryListValues: [],
              dataType: "String",
            },
          },
          md5OfBody: "6f0c3c4c1a0c4b2f8f7c7b6d5e4a3b2c",
          eventSource: "aws:sqs",
          eventSourceARN: arn,
          awsRegion: "eu-west-1",
        },
      ],
    });
  });

  it("carries the trace header and DLQ source where the message has them, binary values in base64", () => {
    const [record] = toSqsEvent(
      [
        message({
          attributes: {
            SenderId: "000000000000",
            SentTimestamp: "1700000000000",
            ApproximateReceiveCount: "1",
            ApproximateFirstReceiveTimestamp: "1700000000000",
            AWSTraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793",
            DeadLetterQueueSourceArn: "arn:aws:sqs:eu-west-1:000000000000:source",
          },
          messageAttributes: { photo: { dataType: "Binary", binaryValue: new Uint8Array([1, 2]) } },
        }),
      ],
      arn,
      "eu-west-1",
    ).Records;
    expect(record?.attributes.AWSTraceHeader).toBe("Root=1-5759e988-bd862e3fe1be46a994272793");
    expect(record?.attributes.DeadLetterQueueSourceArn).toBe(
      "arn:aws:sqs:eu-west-1:000000000000:source",
    );
    expect(record?.messageAttributes.photo).toEqual({
      binaryValue: "AQI=",
      stringListValues: [],
      binaryListValues: [],
      dataType: "Binary",
    });
  });
});
