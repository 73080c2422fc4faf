import { afterEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const start = () =>
  startTestServer({ greet: `export default defineJob({ handler: async () => {} });` }, cleanups);

const listQueues = (url: string, body: string) =>
  fetch(`${url}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AmazonSQS.ListQueues",
    },
    body,
  });

describe("the wire endpoint of a running server, given hostile input", () => {
  it("answers a body nested 5,000 deep with a 400, and serves the requests around it", async () => {
    const { server } = await start();
    // 10 KB: well under the body limit, and deep enough to overflow any recursive walk.
    const deep = `{"QueueNamePrefix":${"[".repeat(5_000)}${"]".repeat(5_000)}}`;
    const [before, hostile, after] = await Promise.all([
      listQueues(server.url, "{}"),
      listQueues(server.url, deep),
      listQueues(server.url, "{}"),
    ]);
    expect(hostile.status).toBe(400);
    expect(await hostile.json()).toMatchObject({
      __type: "com.amazon.coral.service#SerializationException",
      message: expect.stringContaining("more than 100 levels deep"),
    });
    for (const answer of [before, after]) {
      expect(answer.status).toBe(200);
      expect((await answer.json()) as unknown).toMatchObject({
        QueueUrls: [expect.stringMatching(/\/greet$/), expect.stringMatching(/\/greet-dlq$/)],
      });
    }
    // And the server goes on: a job is taken in.
    const job = await fetch(`${server.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobName: "greet", payload: {} }),
    });
    expect(job.status).toBe(202);
  });

  it("takes nesting up to the limit, 100 levels, as POST /jobs does", async () => {
    const { server } = await start();
    // The body's object and 99 arrays in a field SQS does not read: 100 levels, taken.
    const nested = (depth: number) =>
      `{"QueueNamePrefix":"gr","Unread":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const taken = await listQueues(server.url, nested(99));
    expect(taken.status).toBe(200);
    expect(await taken.json()).toMatchObject({
      QueueUrls: [expect.stringMatching(/\/greet$/), expect.stringMatching(/\/greet-dlq$/)],
    });
    expect((await listQueues(server.url, nested(100))).status).toBe(400);
  });
});

describe("the query protocol of a running server, given hostile input", () => {
  it("refuses a form with more parameters than any action takes, at once", async () => {
    const { server } = await start();
    const entries = Array.from(
      { length: 60_000 },
      (_, i) => `SendMessageBatchRequestEntry.${i + 1}.Id=e${i}`,
    );
    const post = (body: string) =>
      fetch(`${server.url}/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    const queue = `${server.url}/000000000000/greet`;
    const started = Date.now();
    const answer = await post(
      `Action=SendMessageBatch&QueueUrl=${encodeURIComponent(queue)}&${entries.join("&")}`,
    );
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("no action takes more than 1000");
    // Decoding 60,000 entries held the main thread about 30 s; refusing them is a single linear parse.
    expect(Date.now() - started).toBeLessThan(5_000);
    const listed = await post("Action=ListQueues");
    expect(listed.status).toBe(200);
  });
});

describe("the SNS API of a running server, given hostile input", () => {
  it("answers a filter policy nested 20,000 deep as an invalid parameter", async () => {
    const { server } = await start();
    const form = (params: Record<string, string>) =>
      fetch(`${server.url}/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ Version: "2010-03-31", ...params }).toString(),
      });
    const topic = await form({ Action: "CreateTopic", Name: "mine" });
    const TopicArn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(await topic.text())?.[1] ?? "";
    const answer = await form({
      Action: "Subscribe",
      TopicArn,
      Protocol: "sqs",
      Endpoint: TopicArn.replace(":sns:", ":sqs:").replace(/:mine$/, ":greet"),
      "Attributes.entry.1.key": "FilterPolicy",
      "Attributes.entry.1.value": `${'{"a":'.repeat(20_000)}["x"]${"}".repeat(20_000)}`,
    });
    expect(answer.status).toBe(400);
    const text = await answer.text();
    expect(text).toContain("<Code>InvalidParameter</Code>");
    expect(text).toContain("nested too deeply");
  });
});
