import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoApp, repo, startDemoApp } from "./server.js";

// The demo app as `npm start` serves it (examples/), on a free port and a temp
// database; the page's own script (examples/pages/app.js) posts the jobs.
let server: DemoApp;
let page: {
  postJob: (
    jobName: string,
    payload: unknown,
  ) => Promise<{ ok: boolean; status: number; body: Record<string, unknown> }>;
  describe: (result: unknown) => string;
};

beforeAll(async () => {
  server = await startDemoApp({
    OFFLOAD_DEMO_EMAIL_FAILURE_RATE: "0",
  });
  page = await import(join(repo, "examples/pages/app.js"));
});

afterAll(async () => {
  await server?.stop();
});

/** Runs `fn` with fetch resolving relative URLs against the server, as the page's fetch does. */
async function asPage<T>(fn: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: string, init?: RequestInit) =>
    realFetch(new URL(input, server.url), init)) as typeof fetch;
  try {
    return await fn();
  } finally {
    globalThis.fetch = realFetch;
  }
}

describe("the demo page", () => {
  it("is served at / with its buttons, form and script", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    for (const needle of [
      'id="submit-job"',
      'id="submit-failing-job"',
      'id="order-form"',
      'name="quantity"',
      'src="/app.js"',
    ]) {
      expect(html).toContain(needle);
    }
    const script = await fetch(`${server.url}/app.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${server.url}/../package.json`)).status).toBe(404);
  });

  it("Submit Job: accepted, and the job runs", async () => {
    const result = await asPage(() => page.postJob("resize-image", { task: "thumb-1" }));
    expect(page.describe(result)).toMatch(/^Accepted \(202\): job [0-9a-f-]{36}$/);
    await server.waitForLog((l) => l.msg === "Resized image for task thumb-1");
  });

  it("Submit Failing Job: accepted, and the job fails", async () => {
    const result = await asPage(() =>
      page.postJob("resize-image", { task: "thumb-2", fail: true }),
    );
    expect(result.status).toBe(202);
    await server.waitForLog(
      (l) =>
        l.msg === "job failed" &&
        (l.error as { message?: string } | undefined)?.message ===
          "Resizing failed for task thumb-2",
    );
  });

  it("Submit Job with an empty task: refused, naming the field", async () => {
    const result = await asPage(() => page.postJob("resize-image", { task: "" }));
    expect(result.status).toBe(422);
    expect(page.describe(result)).toBe("Refused (422 InvalidPayload): task: task is required");
  });

  it("send-welcome-email names each bad field, and sends a good one", async () => {
    const refused = await asPage(() =>
      page.postJob("send-welcome-email", { email: "nope", name: " " }),
    );
    expect(page.describe(refused)).toBe(
      "Refused (422 InvalidPayload): email: email must be an email address; name: name is required",
    );
    const accepted = await asPage(() =>
      page.postJob("send-welcome-email", { email: "ann@example.com", name: "Ann" }),
    );
    expect(accepted.status).toBe(202);
    await server.waitForLog((l) => l.msg === "Sent a welcome email to ann@example.com");
  });

  it("the order form: an invalid order is refused naming each field; a valid one is accepted", async () => {
    const refused = await asPage(() =>
      page.postJob("place-order", { productId: "sku-1", name: " ", address: "", quantity: 0 }),
    );
    expect(refused.status).toBe(422);
    expect(page.describe(refused)).toBe(
      "Refused (422 InvalidPayload): name: name is required; address: address is required; quantity: quantity must be at least 1",
    );
    // A field left out, or of another type, is named in the demo's words too.
    const incomplete = await asPage(() =>
      page.postJob("place-order", { name: "Ada", address: 7, quantity: "2" }),
    );
    expect(page.describe(incomplete)).toBe(
      "Refused (422 InvalidPayload): productId: productId is required; address: address must be a string; quantity: quantity must be a number",
    );
    const accepted = await asPage(() =>
      page.postJob("place-order", {
        productId: "sku-1",
        name: "Ada",
        address: "1 Loop Road",
        quantity: 2,
      }),
    );
    expect(page.describe(accepted)).toMatch(/^Accepted \(202\)/);
    await server.waitForLog((l) => l.msg === "Order placed for Ada");
  });
});
