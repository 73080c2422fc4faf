import { afterEach, describe, expect, it } from "vitest";
import { createApi } from "../../src/http/index.js";
import { type ApiStack, engineBackend, postJson, startApiStack } from "./support.js";

const KEY = "s3cret-key-0123456789";
const APP = "https://app.example.com";

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe("API key", () => {
  it("lets requests with the right bearer key through, and /health without one", async () => {
    stack = await startApiStack({ apiKey: KEY });
    const sent = await postJson(
      `${stack.url}/jobs`,
      { jobName: "greeting", payload: { friendName: "Hank" } },
      { authorization: `Bearer ${KEY}` },
    );
    expect(sent.status).toBe(202);
    expect(await stack.stored()).toBe(1);
    const lowercase = await fetch(`${stack.url}/api/queues`, {
      headers: { authorization: `bearer ${KEY}` },
    });
    expect(lowercase.status).toBe(200);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it("is not needed when no key is set", async () => {
    stack = await startApiStack();
    expect((await fetch(`${stack.url}/api/queues`)).status).toBe(200);
  });

  it("is checked before the route: unknown API paths are 401 without a key", async () => {
    stack = await startApiStack({ apiKey: KEY });
    const response = await fetch(`${stack.url}/api/nothing-here`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });
});

describe("CORS", () => {
  it("is off by default", async () => {
    stack = await startApiStack();
    const response = await fetch(`${stack.url}/health`, { headers: { origin: APP } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${stack.url}/jobs`, {
      method: "OPTIONS",
      headers: { origin: APP, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows the given origins only, preflight included, before the API key", async () => {
    stack = await startApiStack({ corsOrigins: [APP], apiKey: KEY });
    const preflight = await fetch(`${stack.url}/jobs`, {
      method: "OPTIONS",
      headers: {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/\bPOST\b/);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/content-type/i);

    const sent = await postJson(
      `${stack.url}/jobs/greeting`,
      { friendName: "Hank" },
      { origin: APP, authorization: `Bearer ${KEY}` },
    );
    expect(sent.status).toBe(202);
    expect(sent.headers.get("access-control-allow-origin")).toBe(APP);
    expect(sent.headers.get("vary")).toMatch(/origin/i);

    const error = await fetch(`${stack.url}/api/queues`, { headers: { origin: APP } });
    expect(error.status).toBe(401);
    expect(error.headers.get("access-control-allow-origin")).toBe(APP);

    const other = await fetch(`${stack.url}/health`, {
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it('allows any origin with "*"', async () => {
    stack = await startApiStack({ corsOrigins: ["*"] });
    const response = await fetch(`${stack.url}/health`, {
      headers: { origin: "https://anywhere.example" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("createApi options", () => {
  it("names each bad option, what it takes and what came", async () => {
    stack = await startApiStack();
    const backend = engineBackend(stack.transport);
    expect(() => createApi({ backend, bodyLimitBytes: 0 })).toThrow(
      /bodyLimitBytes must be a positive whole number of bytes; got 0/,
    );
    expect(() => createApi({ backend, apiKey: " " })).toThrow(/apiKey must be a non-empty string/);
    expect(() => createApi({ backend, corsOrigins: ["app.example.com/"] })).toThrow(
      /corsOrigins entries must be "\*" or an origin .*; got "app.example.com\/"/,
    );
    expect(() => createApi({ backend, bodyLimitBytes: 1.5, apiKey: "" })).toThrow(
      /bodyLimitBytes .*got 1.5\napiKey must be/,
    );
  });
});
