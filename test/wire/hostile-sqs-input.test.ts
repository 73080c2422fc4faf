import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { md5OfAttributes } from "../../src/engine/sqs/md5.js";
import type { MessageAttributeValue } from "../../src/engine/sqs/types.js";
import { SQS_ACTIONS } from "../../src/http/wire/sqs-actions.js";
import { startTestServer } from "../support/server.js";

const cleanups: Array<() => void | Promise<void>> = [];
let url: string;
let queueUrl: string;

beforeAll(async () => {
  const { server } = await startTestServer(
    { greet: `export default defineJob({ handler: async () => {} });` },
    cleanups,
  );
  url = server.url;
  const created = await json("CreateQueue", { QueueName: "hostile" });
  queueUrl = ((await created.json()) as { QueueUrl: string }).QueueUrl;
});
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** One SQS JSON-protocol request; `body` is sent as given when it is a string or bytes. */
function json(action: string, body: unknown): Promise<Response> {
  return fetch(`${url}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `AmazonSQS.${action}`,
    },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

function query(body: string): Promise<Response> {
  return fetch(`${url}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

async function receiveAll(): Promise<Array<Record<string, unknown>>> {
  const answer = await json("ReceiveMessage", {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    MessageAttributeNames: ["All"],
    VisibilityTimeout: 0,
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { Messages?: Array<Record<string, unknown>> }).Messages ?? [];
}

/** The attribute name that, assigned on an ordinary object, would set its prototype instead. */
const PROTO = ["__", "proto", "__"].join("");

describe("SQS JSON input of the wrong shape", () => {
  it("refuses malformed batches and wrong types with a 400 naming the member", async () => {
    const cases: Array<[action: string, body: Record<string, unknown>, member: string]> = [
      ["SendMessageBatch", { QueueUrl: "hostile", Entries: {} }, "Entries"],
      ["SendMessageBatch", { QueueUrl: "hostile", Entries: [null] }, "Entries.0"],
      ["SendMessageBatch", { QueueUrl: "hostile", Entries: [{ Id: 1 }] }, "Entries.0.Id"],
      ["DeleteMessageBatch", { QueueUrl: "hostile", Entries: "x" }, "Entries"],
      ["GetQueueAttributes", { QueueUrl: 5 }, "QueueUrl"],
      ["ReceiveMessage", { QueueUrl: "hostile", MaxNumberOfMessages: "x" }, "MaxNumberOfMessages"],
      ["CreateQueue", { QueueName: "q", Attributes: [] }, "Attributes"],
      ["SendMessage", { QueueUrl: "hostile", MessageBody: "x", DelaySeconds: "5" }, "DelaySeconds"],
      [
        "SendMessage",
        { QueueUrl: "hostile", MessageBody: "x", MessageAttributes: { a: "x" } },
        "MessageAttributes.a",
      ],
      ["TagQueue", { QueueUrl: "hostile", Tags: { a: 1 } }, "Tags.a"],
    ];
    for (const [action, body, member] of cases) {
      const answer = await json(action, body);
      expect(answer.status, `${action} ${JSON.stringify(body)}`).toBe(400);
      expect(await answer.json()).toEqual({
        __type: "com.amazon.coral.service#SerializationException",
        message: expect.stringContaining(`can not be converted to`),
      });
      expect(await json(action, body).then((a) => a.json())).toMatchObject({
        message: expect.stringContaining(`(at ${member}).`),
      });
    }
    // The message says where: the member's path.
    const answer = await json("SendMessage", {
      QueueUrl: "hostile",
      MessageBody: "x",
      DelaySeconds: "5",
    });
    expect(((await answer.json()) as { message: string }).message).toBe(
      "STRING_VALUE can not be converted to an Integer (at DelaySeconds).",
    );
    // Nothing was sent by any of them.
    expect(await receiveAll()).toEqual([]);
  });

  it("answers no member of any action with a 500, whatever its type", async () => {
    const members = [
      "QueueUrl",
      "QueueName",
      "Attributes",
      "tags",
      "Tags",
      "TagKeys",
      "AttributeNames",
      "MessageSystemAttributeNames",
      "MessageAttributeNames",
      "MessageBody",
      "DelaySeconds",
      "MessageAttributes",
      "MessageSystemAttributes",
      "MessageGroupId",
      "Entries",
      "MaxNumberOfMessages",
      "VisibilityTimeout",
      "ReceiptHandle",
      "MaxResults",
      "NextToken",
      "QueueNamePrefix",
      "SourceArn",
      "DestinationArn",
      "MaxNumberOfMessagesPerSecond",
      "TaskHandle",
      "QueueOwnerAWSAccountId",
    ];
    // Every shape is wrong for one of these: a string gets 5, a number or list item gets null.
    const wrong: unknown[] = [5, [null]];
    const statuses = new Map<number, number>();
    for (const action of Object.keys(SQS_ACTIONS)) {
      // A queue that exists, so each action gets past finding it (DeleteQueue removes it).
      const created = await json("CreateQueue", { QueueName: "fuzz" });
      const fuzz = ((await created.json()) as { QueueUrl: string }).QueueUrl;
      const sent = members.flatMap((member) =>
        // WaitTimeSeconds 0 last: no receive waits.
        wrong.map((value) => ({
          member,
          body: { QueueUrl: fuzz, [member]: value, WaitTimeSeconds: 0 },
        })),
      );
      const answers = await Promise.all(sent.map(({ body }) => json(action, body)));
      for (const [i, answer] of answers.entries()) {
        await answer.arrayBuffer();
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(answer.status, `${action} ${JSON.stringify(sent[i]?.body)}`).toBeLessThan(500);
      }
    }
    expect(statuses.get(400)).toBeGreaterThan(0);
  });
});

describe("SQS JSON input with more members than any SQS request has", () => {
  it("is refused before it is walked, while the largest real request still passes", async () => {
    // 300,000 attribute names (4 MB, within the body limit) cost the thread that serves every
    // request most of a second to walk; no SQS request needs more than a few hundred members.
    const names = Array.from({ length: 300_000 }, (_, i) => `a${i}`);
    const tooMany = await json("ReceiveMessage", {
      QueueUrl: "hostile",
      MessageAttributeNames: names,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.headers.get("x-amzn-query-error")).toMatch(/^SerializationException;/);
    expect(((await tooMany.json()) as { message: string }).message).toMatch(
      /more than 1,000 members/,
    );
    const tags = await json("TagQueue", {
      QueueUrl: "hostile",
      Tags: Object.fromEntries(names.slice(0, 100_000).map((n) => [n, "v"])),
    });
    expect(((await tags.json()) as { message: string }).message).toMatch(/more than 1,000 members/);

    // The largest real request: 10 entries of 10 attributes each (to a queue of its own).
    await json("CreateQueue", { QueueName: "crowded" });
    const attributes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`attr${i}`, { DataType: "String", StringValue: "v" }]),
    );
    const batch = await json("SendMessageBatch", {
      QueueUrl: "crowded",
      Entries: Array.from({ length: 10 }, (_, i) => ({
        Id: `e${i}`,
        MessageBody: "x,y,z",
        MessageAttributes: attributes,
      })),
    });
    expect(batch.status).toBe(200);
    expect(((await batch.json()) as { Successful: unknown[] }).Successful).toHaveLength(10);
  });
});

describe("SQS message contents the server cannot store faithfully", () => {
  it("keeps a message attribute named __proto__, with the MD5 that covers it", async () => {
    const attributes: Record<string, MessageAttributeValue> = Object.create(null);
    attributes[PROTO] = { DataType: "String", StringValue: "kept" };
    attributes.other = { DataType: "Number", StringValue: "1" };
    const expected = md5OfAttributes(attributes);
    // Over JSON: the key is written out by hand, as JSON.stringify of the record would be.
    const sent = await json(
      "SendMessage",
      `{"QueueUrl":"${queueUrl}","MessageBody":"json","MessageAttributes":{"__proto__":{"DataType":"String","StringValue":"kept"},"other":{"DataType":"Number","StringValue":"1"}}}`,
    );
    expect(sent.status).toBe(200);
    expect(((await sent.json()) as { MD5OfMessageAttributes: string }).MD5OfMessageAttributes).toBe(
      expected,
    );
    // Over the query protocol.
    const form = await query(
      new URLSearchParams({
        Action: "SendMessage",
        QueueUrl: queueUrl,
        MessageBody: "query",
        "MessageAttribute.1.Name": "__proto__",
        "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "kept",
        "MessageAttribute.2.Name": "other",
        "MessageAttribute.2.Value.DataType": "Number",
        "MessageAttribute.2.Value.StringValue": "1",
      }).toString(),
    );
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(
      `<MD5OfMessageAttributes>${expected}</MD5OfMessageAttributes>`,
    );
    const messages = await receiveAll();
    expect(messages.map((m) => m.Body).sort()).toEqual(["json", "query"]);
    for (const message of messages) {
      const received = message.MessageAttributes as Record<string, unknown>;
      expect(Object.hasOwn(received, "__proto__")).toBe(true);
      expect(Object.keys(received).sort()).toEqual(["__proto__", "other"]);
      expect(received[PROTO]).toEqual({ DataType: "String", StringValue: "kept" });
      expect(message.MD5OfMessageAttributes).toBe(expected);
      await json("DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle });
    }
  });

  it("refuses a body that is not UTF-8 rather than storing U+FFFD", async () => {
    const head = new TextEncoder().encode(`{"QueueUrl":"${queueUrl}","MessageBody":"bad `);
    const tail = new TextEncoder().encode(`"}`);
    const bytes = new Uint8Array([...head, 0xff, 0xfe, ...tail]);
    const answer = await json("SendMessage", bytes);
    expect(answer.status).toBe(400);
    expect(answer.headers.get("x-amzn-query-error")).toBe("InvalidMessageContents;Sender");
    expect(((await answer.json()) as { message: string }).message).toContain("not valid UTF-8");
    // Percent-escapes that are not UTF-8, over the query protocol.
    const form = await query(
      `Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=bad%FF%FE`,
    );
    expect(form.status).toBe(400);
    const text = await form.text();
    expect(text).toContain("<Code>InvalidMessageContents</Code>");
    expect(text).toContain("MessageBody");
    expect(await receiveAll()).toEqual([]);
  });

  it("does not echo a 1 MB receipt handle back in full", async () => {
    const handle = "A".repeat(1_000_000);
    const answer = await json("DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: handle });
    expect(answer.status).toBe(404);
    const text = await answer.text();
    expect(text.length).toBeLessThan(2_000);
    expect(text).toContain("1000000 characters");
    const form = await query(
      `Action=ChangeMessageVisibility&QueueUrl=${encodeURIComponent(queueUrl)}&VisibilityTimeout=5&ReceiptHandle=${handle}`,
    );
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect((await form.text()).length).toBeLessThan(2_000);
  });
});
