import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { createApi } from "../../src/http/index.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { engineBackend, JOB_NAMES, jobs } from "../http/support.js";
import { tempDir } from "../support/temp.js";

// The wire endpoint with an API key: every request must carry it, whatever its
// peer. The app is called directly with the remote address the Node adapter
// would give it, so no traffic leaves loopback.
let engine: Engine;
let cleanup: () => void;
let app: ReturnType<typeof createApi>;
const KEY = "wire-s3cret";

beforeAll(async () => {
  const tmp = tempDir("offload-wire-auth-");
  cleanup = tmp.cleanup;
  engine = createEngine({ path: join(tmp.dir, "w.db"), clock: new TestClock() });
  const transport = await createEngineTransport(
    engine,
    JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
  );
  app = createApi({
    backend: engineBackend(transport),
    apiKey: KEY,
    wire: { sqs: engine.sqs, sns: engine.sns },
  });
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

function listQueues(remoteAddress: string, authorization?: string) {
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": "AmazonSQS.ListQueues",
  };
  if (authorization) headers.authorization = authorization;
  return app.fetch(new Request("http://offload.test/", { method: "POST", headers, body: "{}" }), {
    incoming: { socket: { remoteAddress } },
  });
}

const sigv4 = (accessKeyId: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261122/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00`;

describe("the wire endpoint with an API key", () => {
  it("refuses loopback without the key, as any other address", async () => {
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "192.0.2.10"]) {
      expect((await listQueues(address)).status, address).toBe(403);
      expect((await listQueues(address, sigv4(KEY))).status, address).toBe(200);
    }
  });

  it("refuses a request without the key in the protocol's error shape", async () => {
    const response = await listQueues("192.0.2.10", sigv4("test"));
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-query-error")).toBe("AccessDenied;Sender");
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.message).toMatch(/requires its API key on every request/);
    const form = await app.fetch(
      new Request("http://offload.test/", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=ListQueues&Version=2012-11-05",
      }),
      { incoming: { socket: { remoteAddress: "192.0.2.10" } } },
    );
    expect(form.status).toBe(403);
    expect(await form.text()).toMatch(/<Code>AccessDenied<\/Code>/);
  });

  it("accepts the key as the SigV4 access key id or as a bearer token", async () => {
    expect((await listQueues("192.0.2.10", sigv4(KEY))).status).toBe(200);
    expect((await listQueues("192.0.2.10", `Bearer ${KEY}`)).status).toBe(200);
    expect((await listQueues("192.0.2.10", `Bearer ${KEY}x`)).status).toBe(403);
  });

  it("reads an access key id with slashes in it (a base64 key) from the end of the credential", async () => {
    const slashed = "k/Ab+c=/x";
    const keyed = createApi({
      backend: engineBackend(
        await createEngineTransport(
          engine,
          JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
        ),
      ),
      apiKey: slashed,
      wire: { sqs: engine.sqs, sns: engine.sns },
    });
    const call = (authorization: string) =>
      keyed.fetch(
        new Request("http://offload.test/", {
          method: "POST",
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "AmazonSQS.ListQueues",
            authorization,
          },
          body: "{}",
        }),
      );
    expect((await call(sigv4(slashed))).status).toBe(200);
    expect((await call(sigv4("k/Ab+c="))).status).toBe(403);
    expect((await call(sigv4("k"))).status).toBe(403);
  });
});
