import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
// The package as a web app imports it: its built JavaScript and .d.ts, as the job files get it.
import { createClient, InvalidPayloadError, OffloadError } from "offload";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type greeting from "../../examples/jobs/greeting.js";
import type placeOrder from "../../examples/jobs/place-order.js";
import type { JobQueueSummary } from "../../src/http/backend.js";
import { type DemoApp, startDemoApp } from "../e2e/server.js";

// A web app's view: the demo app's job files imported for their types only, and
// `offload start` running them in a child process, over real HTTP on loopback.
type Jobs = { "place-order": typeof placeOrder; greeting: typeof greeting };

const API_KEY = "s3cret";
let server: DemoApp;

beforeAll(async () => {
  server = await startDemoApp({
    OFFLOAD_API_KEY: API_KEY,
  });
});

afterAll(async () => {
  await server?.stop();
});

/** The global fetch, counting the requests it sends. */
function countingFetch() {
  const sent: string[] = [];
  const send = (url: string, init: RequestInit) => {
    sent.push(`${init.method} ${url}`);
    return fetch(url, init);
  };
  return { sent, fetch: send };
}

/** A loopback server that is not offload: records each request, answers with `answer`. */
async function otherServer(answer: { status: number; type: string; body: string }) {
  const seen: IncomingHttpHeaders[] = [];
  const other = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    response.writeHead(answer.status, { "content-type": answer.type });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => other.close(() => resolve()));
  return { url, seen, close };
}

async function queue(jobName: string): Promise<JobQueueSummary> {
  const response = await fetch(`${server.url}/api/queues/${jobName}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  return (await response.json()) as JobQueueSummary;
}

describe("createClient with a url: a running app over HTTP", () => {
  it("sends a typed job; it resolves with the message id and the app runs the job", async () => {
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY });
    const id = await offload.send("place-order", {
      productId: "p1",
      name: "Ada",
      address: "1 Main St",
      quantity: 2,
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await server.waitForLog((l) => l.msg === "Order placed for Ada");
    // The id is the publish's (as SNS's MessageId); the job's message in its queue has its own.
    expect(line).toMatchObject({ jobName: "place-order", productId: "p1", quantity: 2 });
  });

  it("sends a batch: ids in order, and every job runs", async () => {
    const offload = createClient<Jobs>({ url: `${server.url}/`, apiKey: API_KEY });
    const ids = await offload.sendBatch("greeting", [{ friendName: "Bea" }, { friendName: "Cy" }]);
    expect(ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.any(String)]);
    expect(new Set(ids).size).toBe(2);
    const bea = await server.waitForLog((l) => l.msg === "Hello, Bea!");
    const cy = await server.waitForLog((l) => l.msg === "Hello, Cy!");
    expect([bea.jobName, cy.jobName]).toEqual(["greeting", "greeting"]);
  });

  it("sends the delay as delaySeconds: the job waits in the queue", async () => {
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY });
    const before = (await queue("greeting")).delayed;
    await offload.send("greeting", { friendName: "Later" }, { delay: "15m" });
    expect((await queue("greeting")).delayed).toBe(before + 1);
  });

  it("rejects a payload the app's schema refuses with InvalidPayloadError and its issues", async () => {
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY });
    const sending = offload.send("place-order", {
      productId: "p1",
      name: "  ",
      address: "1 Main St",
      quantity: 0,
    });
    await expect(sending).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(sending).rejects.toMatchObject({
      code: "InvalidPayload",
      jobName: "place-order",
      issues: [
        { path: "name", message: "name is required" },
        { path: "quantity", message: "quantity must be at least 1" },
      ],
    });
  });

  it("rejects a job the app does not have with UnknownJob", async () => {
    const untyped = createClient({ url: server.url, apiKey: API_KEY });
    const sending = untyped.send("cancel-order", {});
    await expect(sending).rejects.toBeInstanceOf(OffloadError);
    await expect(sending).rejects.toMatchObject({ code: "UnknownJob", jobName: "cancel-order" });
    await expect(sending).rejects.toThrow(/"cancel-order"/);
  });

  it("says when the app needs its API key, and when the key is not the app's", async () => {
    const job = { friendName: "Dee" };
    await expect(
      createClient<Jobs>({ url: server.url }).send("greeting", job),
    ).rejects.toMatchObject({
      code: "Unauthorized",
      message: `The app at ${server.url} needs its API key: pass it as createClient's apiKey`,
    });
    const wrong = createClient<Jobs>({ url: server.url, apiKey: "wrong" }).send("greeting", job);
    await expect(wrong).rejects.toMatchObject({
      code: "Unauthorized",
      jobName: "greeting",
      message: `The app at ${server.url} refused the API key given (createClient's apiKey): it is not the app's key`,
    });
    // The key as an extra header works as apiKey does.
    const headers = { Authorization: `Bearer ${API_KEY}` };
    await expect(
      createClient<Jobs>({ url: server.url, headers }).send("greeting", job),
    ).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends through an injected fetch (how a SigV4-signing fetch is used)", async () => {
    const signed: string[] = [];
    const signing = (url: string, init: RequestInit) => {
      const request = new Request(url, init);
      request.headers.set("authorization", `Bearer ${API_KEY}`);
      signed.push(`${request.method} ${request.url}`);
      return fetch(request);
    };
    const offload = createClient<Jobs>({ url: server.url, fetch: signing });
    await expect(offload.send("greeting", { friendName: "Eve" })).resolves.toMatch(/^[0-9a-f-]/);
    expect(signed).toEqual([`POST ${server.url}/jobs/greeting`]);
  });

  it("sends a delay of 2h, and an at as runAt the app counts from its clock", async () => {
    const counting = countingFetch();
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY, ...counting });
    const before = (await queue("greeting")).delayed;
    await offload.send("greeting", { friendName: "Hours" }, { delay: "2h" });
    const at = new Date(Date.now() + 3 * 3_600_000);
    await offload.send("greeting", { friendName: "At" }, { at });
    expect(counting.sent).toEqual([
      `POST ${server.url}/jobs/greeting?delaySeconds=7200`,
      `POST ${server.url}/jobs/greeting?runAt=${encodeURIComponent(at.toISOString())}`,
    ]);
    expect((await queue("greeting")).delayed).toBe(before + 2);
  });

  it("refuses a delay over 365 days, both delay and at, and a bad at before sending anything", async () => {
    const counting = countingFetch();
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY, ...counting });
    const sending = offload.send("greeting", { friendName: "Fay" }, { delay: "366d" });
    await expect(sending).rejects.toMatchObject({ code: "DelayTooLong", jobName: "greeting" });
    await expect(sending).rejects.toThrow(/^delay 366d is 366 days away/);
    await expect(
      offload.sendBatch("greeting", [{ friendName: "G" }], { delay: "400d" }),
    ).rejects.toMatchObject({ code: "DelayTooLong" });
    await expect(
      offload.send("greeting", { friendName: "G" }, { delay: "1h", at: new Date() }),
    ).rejects.toMatchObject({ code: "InvalidSendOptions" });
    await expect(
      offload.send("greeting", { friendName: "G" }, { at: "2026-03-01 09:00" }),
    ).rejects.toThrow(/^at must be a Date or an ISO 8601 date-time with its offset/);
    expect(counting.sent).toEqual([]);
  });

  it("answers DelayTooLong from the app for an at over 365 days ahead of its clock", async () => {
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY });
    await expect(
      offload.send(
        "greeting",
        { friendName: "Far" },
        { at: new Date(Date.now() + 400 * 86_400_000) },
      ),
    ).rejects.toMatchObject({
      code: "DelayTooLong",
      message: expect.stringMatching(
        /^runAt \S+ is [\d.]+ days away, beyond the longest a send waits: 365 days/,
      ),
    });
  });

  it("refuses the trace context the HTTP API cannot carry, rather than drop it", async () => {
    const counting = countingFetch();
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY, ...counting });
    const options = {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    } as never;
    await expect(offload.send("greeting", { friendName: "Gil" }, options)).rejects.toMatchObject({
      code: "InvalidSendOptions",
      message: expect.stringMatching(/^traceparent is not sent over an app's HTTP API/),
    });
    expect(counting.sent).toEqual([]);
  });

  it("sends the caller's jobId and idempotencyKey, and resolves with the job id", async () => {
    const counting = countingFetch();
    const offload = createClient<Jobs>({ url: server.url, apiKey: API_KEY, ...counting });
    const id = await offload.send(
      "greeting",
      { friendName: "Ida" },
      { jobId: "ida-1", idempotencyKey: "signup ida" },
    );
    expect(id).toBe("ida-1");
    expect(counting.sent).toEqual([
      `POST ${server.url}/jobs/greeting?jobId=ida-1&idempotencyKey=signup+ida`,
    ]);
    await expect(
      offload.send("greeting", { friendName: "Ida" }, { jobId: "no spaces" }),
    ).rejects.toMatchObject({ code: "InvalidJobId" });
    expect(counting.sent).toHaveLength(1);
  });

  it("says no app answers at the url when the connection is refused", async () => {
    const probe = await otherServer({ status: 200, type: "text/plain", body: "" });
    await probe.close();
    const offload = createClient<Jobs>({ url: probe.url });
    await expect(offload.send("greeting", { friendName: "Hal" })).rejects.toMatchObject({
      code: "AppNotRunning",
      jobName: "greeting",
      message: `No offload app answers at ${probe.url}: start one with \`offload dev\` or \`offload start\`, or set createClient's url to where it runs`,
    });
  });

  it("says when the url answers as no offload app does, with the status and its message", async () => {
    const html = await otherServer({ status: 404, type: "text/html", body: "<h1>Not Found</h1>" });
    const gateway = await otherServer({
      status: 403,
      type: "application/json",
      body: '{"message":"Forbidden"}',
    });
    try {
      const offload = createClient<Jobs>({
        url: html.url,
        apiKey: "k",
        headers: { "X-Request-Id": "r-1" },
      });
      await expect(offload.send("greeting", { friendName: "Ike" })).rejects.toMatchObject({
        code: "Http404",
        message: `${html.url} answered POST /jobs/greeting with HTTP 404 and no offload error: is createClient's url the address of an offload app?`,
      });
      // Extra headers go with the request, with the key and the body's type.
      expect(html.seen[0]).toMatchObject({
        authorization: "Bearer k",
        "x-request-id": "r-1",
        "content-type": "application/json",
      });
      await expect(
        createClient<Jobs>({ url: gateway.url }).send("greeting", { friendName: "Ike" }),
      ).rejects.toMatchObject({
        code: "Http403",
        message: expect.stringContaining('HTTP 403 and no offload error (it said "Forbidden")'),
      });
    } finally {
      await html.close();
      await gateway.close();
    }
  });
});

describe("createClient's options", () => {
  it("refuses a url that is not an http(s) address without query or fragment, naming it", () => {
    const refusals: Array<[unknown, string]> = [
      [
        "localhost:3000",
        `createClient's url must be the app's http:// or https:// address, like http://localhost:3000; got "localhost:3000"`,
      ],
      [
        "ftp://example.test",
        `createClient's url must be the app's http:// or https:// address, like http://localhost:3000; got "ftp://example.test"`,
      ],
      [
        undefined,
        "createClient's url must be the app's http:// or https:// address, like http://localhost:3000; got undefined",
      ],
      [
        "http://localhost:3000/?key=1",
        `createClient's url must be the app's address without a query or fragment, like http://localhost:3000; got "http://localhost:3000/?key=1"`,
      ],
      [
        "https://api.example.test/prod#jobs",
        `createClient's url must be the app's address without a query or fragment, like http://localhost:3000; got "https://api.example.test/prod#jobs"`,
      ],
    ];
    for (const [url, message] of refusals) {
      expect(() => createClient({ url: url as string }), String(url)).toThrow(
        new OffloadError("InvalidUrl", message),
      );
      expect(() => createClient({ url: url as string })).toThrow(
        expect.objectContaining({ code: "InvalidUrl" }),
      );
    }
  });

  it("refuses options that do not go together, or cannot be sent", () => {
    expect(() =>
      createClient({ url: "http://localhost:3000", apiKey: "k", headers: { authorization: "x" } }),
    ).toThrow(
      expect.objectContaining({
        code: "InvalidClientOptions",
        message: expect.stringMatching(/^headers has an Authorization header and apiKey is set/),
      }),
    );
    expect(() =>
      createClient({ url: "http://localhost:3000", headers: { "bad name": "x" } }),
    ).toThrow(
      expect.objectContaining({
        code: "InvalidClientOptions",
        message: expect.stringMatching(/^headers "bad name" is not a header HTTP can send/),
      }),
    );
    expect(() =>
      createClient({ url: "http://localhost:3000", headers: { "Content-Type": "text/plain" } }),
    ).toThrow(
      expect.objectContaining({
        code: "InvalidClientOptions",
        message: expect.stringMatching(/^headers has a Content-Type header \("text\/plain"\)/),
      }),
    );
    const both = { url: "http://localhost:3000", transport: {} } as never;
    expect(() => createClient(both)).toThrow(
      expect.objectContaining({
        code: "InvalidClientOptions",
        message: expect.stringMatching(/either transport .* or url/),
      }),
    );
  });
});
