import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { loopbackHosts, requestGuard } from "../../src/http/guard.js";
import { type ApiStack, postJson, startApiStack } from "./support.js";

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** One request with headers fetch will not send as given (Host), over node:http. */
function send(
  port: number,
  options: {
    method?: string;
    path: string;
    headers: Record<string, string>;
    body?: string;
  },
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
      },
      (response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : {} }),
        );
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

describe("writes from other sites", () => {
  it("refuses a POST whose Origin is another site, whatever its content type, and stores nothing", async () => {
    stack = await startApiStack();
    await stack.backend.send("audit", 1);
    await stack.deadLetter("audit", 1);
    const before = await stack.stored();
    const attacks = [
      { path: "/jobs/audit", type: "text/plain", body: "{}" },
      { path: "/jobs", type: "application/json", body: '{"jobName":"audit","payload":1}' },
      { path: "/api/queues/audit/purge", type: "application/x-www-form-urlencoded", body: "" },
      { path: "/api/queues/audit/redrive", type: "text/plain", body: "" },
      // The SQS wire endpoint, as an HTML form would post it.
      { path: "/", type: "application/x-www-form-urlencoded", body: "Action=ListQueues" },
    ];
    for (const attack of attacks) {
      const answer = await send(stack.port, {
        method: "POST",
        path: attack.path,
        headers: { origin: "https://evil.example", "content-type": attack.type },
        body: attack.body,
      });
      expect(answer, attack.path).toEqual({
        status: 403,
        body: {
          error: {
            code: "CrossSiteRequest",
            message:
              'A page on "https://evil.example" may not POST to this app: only its own pages and OFFLOAD_CORS_ORIGINS may',
          },
        },
      });
    }
    expect(await stack.stored()).toBe(before);
    expect(await stack.transport.stats("audit")).toMatchObject({ visible: 0, dlq: { visible: 1 } });
  });

  it("refuses a POST from an opaque origin (a sandboxed frame, a file: page), also without a Host", async () => {
    stack = await startApiStack();
    const answer = await send(stack.port, {
      method: "POST",
      path: "/jobs/audit",
      headers: { origin: "null", "content-type": "text/plain" },
      body: "1",
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe("CrossSiteRequest");
    expect(await stack.stored()).toBe(0);
    // Node's server refuses a request without Host itself; a Lambda's request may lack one.
    const guard = requestGuard({ corsOrigins: [], allowedHosts: undefined });
    const noHost = new Request("http://app.internal/jobs/audit", {
      method: "POST",
      headers: { origin: "null" },
    });
    expect(noHost.headers.get("host")).toBeNull();
    expect(guard(noHost)?.status).toBe(403);
  });

  it("takes writes from its own pages, from origins in corsOrigins, and from clients that send no Origin", async () => {
    stack = await startApiStack({ corsOrigins: ["https://shop.example"] });
    for (const origin of [stack.url, "https://shop.example", undefined]) {
      const response = await postJson(
        `${stack.url}/jobs/audit`,
        "1",
        origin === undefined ? {} : { origin },
      );
      expect(response.status, origin).toBe(202);
    }
    const other = await postJson(`${stack.url}/jobs/audit`, "1", {
      origin: "https://shop.example.evil",
    });
    expect(other.status).toBe(403);
    expect(await stack.stored()).toBe(3);
  });

  it("takes writes from any origin with corsOrigins *", async () => {
    stack = await startApiStack({ corsOrigins: ["*"] });
    const response = await postJson(`${stack.url}/jobs/audit`, "1", {
      origin: "https://any.example",
    });
    expect(response.status).toBe(202);
  });

  it("lets reads through from any origin (CORS decides what a page may read)", async () => {
    stack = await startApiStack();
    const response = await fetch(`${stack.url}/health`, {
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(200);
  });
});

describe("allowed hosts (DNS rebinding)", () => {
  it("answers only requests addressed to a loopback name", async () => {
    stack = await startApiStack({ allowedHosts: loopbackHosts("127.0.0.1") });
    await stack.backend.send("audit", 1);
    await stack.deadLetter("audit", 1);
    const port = stack.port;
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `app.localhost:${port}`,
      "LOCALHOST",
    ]) {
      const answer = await send(port, { path: "/api/queues/audit/dlq", headers: { host } });
      expect(answer.status, host).toBe(200);
    }
    for (const host of [
      `rebind.attacker.example:${port}`,
      "localhost.attacker.example",
      "127.0.0.1.nip.io",
    ]) {
      const answer = await send(port, { path: "/api/queues/audit/dlq", headers: { host } });
      expect(answer, host).toEqual({
        status: 403,
        body: {
          error: {
            code: "HostNotAllowed",
            message: `This app answers requests to localhost, 127.0.0.1, [::1] only; this one was addressed to ${JSON.stringify(host)} (set OFFLOAD_API_KEY to serve other names)`,
          },
        },
      });
    }
  });

  it("adds the host it listens on to the loopback names", () => {
    expect(loopbackHosts("::1")).toEqual(["localhost", "127.0.0.1", "[::1]"]);
    expect(loopbackHosts("127.0.0.2")).toEqual(["localhost", "127.0.0.1", "[::1]", "127.0.0.2"]);
  });
});
