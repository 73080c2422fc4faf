import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiFunction } from "../../src/aws/index.js";
import { MAX_PAYLOAD_BYTES } from "../../src/core/client.js";
import { silentLogger } from "../../src/core/logger.js";
import { createApi } from "../../src/http/index.js";
import { createTransportBackend } from "../../src/http/transport-backend.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { JOB_NAMES, jobs } from "../http/support.js";
import { openTestEngine, type TestEngine } from "../support/engine.js";
import { httpApiEvent, localRequest, type TestRequest } from "./http-api-event.js";
import { type AwsLayout, createLayout, type MotoClients, startMotoClients } from "./support.js";

let clients: MotoClients;
let layout: AwsLayout;
let local: { te: TestEngine; app: Hono };
beforeAll(async () => {
  clients = await startMotoClients();
  layout = await createLayout(
    clients,
    JOB_NAMES.map((name) => ({ name })),
  );
  const te = openTestEngine();
  const transport = await createEngineTransport(
    te.engine,
    JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
  );
  local = { te, app: createApi({ backend: createTransportBackend({ jobs, transport }) }) };
});
afterAll(async () => {
  await local?.te.close();
  await clients?.close();
});

const json = { "content-type": "application/json" };
const post = (path: string, body: unknown, extra: Partial<TestRequest> = {}): TestRequest => ({
  method: "POST",
  path,
  headers: json,
  body: typeof body === "string" ? body : JSON.stringify(body),
  ...extra,
});

describe("the API function (API Gateway HTTP API, payload format 2.0)", () => {
  it("answers POST /jobs with 202 and a job id, and the job is in its queue on moto", async () => {
    const handler = createApiFunction({ jobs, transport: layout.transport() });
    const response = await handler(
      httpApiEvent(post("/jobs", { jobName: "greeting", payload: { friendName: "Hank" } })),
    );
    expect(response.statusCode).toBe(202);
    expect(response.headers).toMatchObject({ "content-type": "application/json" });
    const { jobId } = JSON.parse(response.body) as { jobId: string };
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [message, ...more] = await layout.receiveAll(layout.queues.greeting!.queueUrl);
    expect(more).toHaveLength(0);
    expect(message?.Body).toBe('{"friendName":"Hank"}');
    expect(message?.MessageAttributes?.jobId?.StringValue).toBe(jobId);
  });

  it("answers POST /jobs/:jobName, delaying by ?delaySeconds= through the queue", async () => {
    const handler = createApiFunction({ jobs, transport: layout.transport() });
    const order = { productId: "p-1", name: "Ada", address: "1 Main St", quantity: 2 };
    const response = await handler(
      httpApiEvent(post("/jobs/place-order", order, { query: "delaySeconds=30" })),
    );
    expect(response.statusCode).toBe(202);
    expect(await layout.counts(layout.queues["place-order"]!.queueUrl)).toMatchObject({
      visible: 0,
      delayed: 1,
    });
  });

  it("routes a named stage's requests, whose path starts with the stage", async () => {
    const handler = createApiFunction({ jobs, transport: layout.transport() });
    const response = await handler(
      httpApiEvent(post("/jobs/audit", { any: "thing" }, { stage: "prod" })),
    );
    expect(response.statusCode).toBe(202);
    const [message] = await layout.receiveAll(layout.queues.audit!.queueUrl);
    expect(message?.Body).toBe('{"any":"thing"}');
  });

  const cases: Array<[string, TestRequest, number, string]> = [
    ["an unknown job", post("/jobs", { jobName: "nope", payload: {} }), 404, "UnknownJob"],
    ["an unknown job in the path", post("/jobs/nope", {}), 404, "UnknownJob"],
    [
      "a payload failing the schema",
      post("/jobs", { jobName: "greeting", payload: { friendName: "" } }),
      422,
      "InvalidPayload",
    ],
    ["malformed JSON", post("/jobs", '{"jobName": "greeting",'), 400, "MalformedJson"],
    [
      "a wrong content type",
      post("/jobs", "friendName=Hank", { headers: { "content-type": "text/plain" } }),
      415,
      "UnsupportedMediaType",
    ],
    [
      "a body over the body limit",
      post("/jobs/audit", JSON.stringify("x".repeat(1_048_576))),
      413,
      "PayloadTooLarge",
    ],
    [
      "a payload over SNS's 256 KiB",
      post("/jobs/audit", JSON.stringify("x".repeat(MAX_PAYLOAD_BYTES))),
      413,
      "PayloadTooLarge",
    ],
    [
      "a delay over 365 days",
      post("/jobs", { jobName: "audit", payload: {}, delaySeconds: 31_536_001 }),
      400,
      "InvalidDelay",
    ],
    [
      "a delay that is not a number",
      post("/jobs/audit", {}, { query: "delaySeconds=soon" }),
      400,
      "InvalidDelay",
    ],
  ];

  it.each(cases)("answers %s as the local API does", async (_name, request, status, code) => {
    const handler = createApiFunction({ jobs, transport: layout.transport() });
    const response = await handler(httpApiEvent(request));
    const expected = await local.app.fetch(localRequest(request));
    expect(expected.status).toBe(status);
    const expectedBody = await expected.json();
    expect(expectedBody).toMatchObject({ error: { code } });
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body)).toEqual(expectedBody);
  });

  it("leaves authentication to API Gateway: no bearer check, even with OFFLOAD_API_KEY set", async () => {
    const handler = createApiFunction({
      jobs,
      transport: layout.transport(),
      env: { OFFLOAD_API_KEY: "secret" },
    });
    const response = await handler(httpApiEvent(post("/jobs/audit", {})));
    expect(response.statusCode).toBe(202);
  });
});

describe("the API function's CORS", () => {
  const fromApp = { headers: { ...json, origin: "https://app.example.com" } };

  it("answers for the origins in OFFLOAD_CORS_ORIGINS", async () => {
    const handler = createApiFunction({
      jobs,
      transport: layout.transport(),
      env: { OFFLOAD_CORS_ORIGINS: "https://other.example.com, https://app.example.com" },
    });
    const response = await handler(httpApiEvent(post("/jobs/audit", {}, fromApp)));
    expect(response.statusCode).toBe(202);
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "https://app.example.com",
    });
  });

  it("is off when OFFLOAD_CORS_ORIGINS is empty: a page of another origin may not write", async () => {
    const handler = createApiFunction({
      jobs,
      transport: layout.transport(),
      env: { OFFLOAD_CORS_ORIGINS: "" },
    });
    const response = await handler(httpApiEvent(post("/jobs/audit", {}, fromApp)));
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "{}")).toMatchObject({
      error: { code: "CrossSiteRequest" },
    });
    expect(response.headers).not.toHaveProperty("access-control-allow-origin");
    // A client that is not a browser sends no Origin.
    const server = await handler(httpApiEvent(post("/jobs/audit", {})));
    expect(server.statusCode).toBe(202);
  });
});

describe("the API function's transport from the environment", () => {
  const env = (of: AwsLayout) => ({
    OFFLOAD_TOPIC_ARN: of.topicArn,
    OFFLOAD_QUEUES: JSON.stringify(
      Object.fromEntries(JOB_NAMES.map((name) => [name, of.queues[name]!.queueUrl])),
    ),
  });

  it("publishes to OFFLOAD_TOPIC_ARN and sends delayed jobs to the queue in OFFLOAD_QUEUES", async () => {
    const own = await createLayout(
      clients,
      JOB_NAMES.map((name) => ({ name })),
    );
    const handler = createApiFunction({
      jobs,
      env: env(own),
      sqs: clients.sqs,
      sns: clients.sns,
      logger: silentLogger,
    });
    const now = await handler(httpApiEvent(post("/jobs/greeting", { friendName: "Bo" })));
    const later = await handler(
      httpApiEvent(
        post("/jobs", { jobName: "greeting", payload: { friendName: "Cy" }, delaySeconds: 5 }),
      ),
    );
    expect([now.statusCode, later.statusCode]).toEqual([202, 202]);
    expect(await own.counts(own.queues.greeting!.queueUrl)).toEqual({
      visible: 1,
      inFlight: 0,
      delayed: 1,
    });
    const [message] = await own.receiveAll(own.queues.greeting!.queueUrl);
    expect(message?.Body).toBe('{"friendName":"Bo"}');
  });

  it("names what is missing or wrong in the environment", () => {
    const { OFFLOAD_QUEUES } = env(layout);
    expect(() => createApiFunction({ jobs, env: { OFFLOAD_QUEUES } })).toThrow(
      /^OFFLOAD_TOPIC_ARN is not set: it holds the ARN of the SNS topic jobs are published to\./,
    );
    const topic = { OFFLOAD_TOPIC_ARN: layout.topicArn };
    expect(() => createApiFunction({ jobs, env: topic })).toThrow(/^OFFLOAD_QUEUES is not set/);
    expect(() =>
      createApiFunction({ jobs, env: { ...topic, OFFLOAD_QUEUES: "greeting=url" } }),
    ).toThrow(/^OFFLOAD_QUEUES must be JSON .*; it is not JSON: "greeting=url"$/);
    expect(() =>
      createApiFunction({
        jobs,
        env: {
          ...topic,
          OFFLOAD_QUEUES: JSON.stringify({ greeting: layout.queues.greeting!.queueUrl }),
        },
      }),
    ).toThrow(/; it has no queue for audit, place-order$/);
    expect(() =>
      createApiFunction({ jobs, env: { ...topic, OFFLOAD_QUEUES: JSON.stringify({ audit: 42 }) } }),
    ).toThrow(/; the value of "audit" is 42$/);
  });
});
