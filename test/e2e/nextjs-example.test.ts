import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoApp, repo, startDemoApp } from "./server.js";

// The Next.js work-queue example: its route handler sends with the plain AWS
// SDK to the local server's SQS endpoint, and the demo app's contact-form job
// processes what it sent.
let server: DemoApp;
let route: { POST: (request: Request) => Promise<Response> };

beforeAll(async () => {
  server = await startDemoApp();
  process.env.SQS_ENDPOINT = server.url;
  route = await import(join(repo, "examples/nextjs-work-queue/route.ts"));
});

afterAll(async () => {
  delete process.env.SQS_ENDPOINT;
  await server?.stop();
});

function post(fields: Record<string, string>): Promise<Response> {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.set(key, value);
  return route.POST(new Request("http://app.test/api/contact", { method: "POST", body }));
}

describe("the Next.js work-queue example", () => {
  it("sends with SendMessageCommand, answers 202, and the job processes it", async () => {
    const response = await post({ email: "ada@example.test", message: "Hello there" });
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    const line = await server.waitForLog(
      (l) => l.msg === "Received a contact form from ada@example.test",
    );
    expect(line).toMatchObject({
      jobName: "contact-form",
      messageId,
      // Sent over the SQS API without a jobId attribute: its id is its message id.
      jobId: messageId,
      from: "ada@example.test",
      length: 11,
    });
  });

  it("refuses an incomplete form without sending anything", async () => {
    const response = await post({ email: "ada@example.test" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "email and message are required" });
  });
});
