import { describe } from "vitest";
import { greetingEnvelope, type HostileCase, post, request, runCases } from "./hostile.js";

const KEY = "s3cret-key-0123456789";

const openCases: HostileCase[] = [
  // The dashboard API
  {
    name: "an unknown job's queue",
    send: request("GET", "/api/queues/send-fax"),
    status: 404,
    code: "UnknownJob",
    message: /There is no job "send-fax"; the jobs are: audit, greeting, place-order/,
  },
  {
    name: "purging an unknown job's DLQ",
    send: request("POST", "/api/queues/send-fax/purge"),
    status: 404,
    code: "UnknownJob",
    message: /There is no job "send-fax"/,
  },
  {
    name: "purge with a body, as if it took ids",
    send: post("/api/queues/greeting/purge", { ids: ["a"] }),
    status: 400,
    code: "InvalidRequest",
    message:
      /POST \/api\/queues\/greeting\/purge takes no body \(it deletes every message in the DLQ\); got 13 bytes\. To move only some messages back, POST \/api\/queues\/greeting\/redrive/,
  },
  {
    name: "?limit=0 on the DLQ",
    send: request("GET", "/api/queues/greeting/dlq?limit=0"),
    status: 400,
    code: "InvalidRequest",
    message: /Query parameter limit must be a whole number from 1 to 1000; got 0/,
  },
  {
    name: "?limit=1001 on the DLQ",
    send: request("GET", "/api/queues/greeting/dlq?limit=1001"),
    status: 400,
    code: "InvalidRequest",
    message: /limit must be a whole number from 1 to 1000; got 1001/,
  },
  {
    name: "?limit=ten on the DLQ",
    send: request("GET", "/api/queues/greeting/dlq?limit=ten"),
    status: 400,
    code: "InvalidRequest",
    message: /limit .*; got "ten"/,
  },
  {
    name: "redrive with an empty ids",
    send: post("/api/queues/greeting/redrive", { ids: [] }),
    status: 400,
    code: "InvalidRequest",
    message: /ids must hold at least 1 id/,
  },
  {
    name: "redrive with an empty id",
    send: post("/api/queues/greeting/redrive", { ids: ["a", ""] }),
    status: 400,
    code: "InvalidRequest",
    message: /ids must hold non-empty strings/,
  },
  {
    name: "redrive with ids as a string",
    send: post("/api/queues/greeting/redrive", { ids: "a" }),
    status: 400,
    code: "InvalidRequest",
    message: /ids must be an array of job ids or message ids; got a string \("a"\)/,
  },
  {
    name: "redrive with 1001 ids",
    send: post("/api/queues/greeting/redrive", {
      ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`),
    }),
    status: 400,
    code: "InvalidRequest",
    message: /ids may hold at most 1000 ids; got 1001/,
  },
  {
    name: "redrive with an unknown field",
    send: post("/api/queues/greeting/redrive", { messageIds: ["a"] }),
    status: 400,
    code: "InvalidRequest",
    message: /Unknown field "messageIds" in the request body; the fields are ids/,
  },
  {
    name: "redrive with a non-JSON body",
    send: request("POST", "/api/queues/greeting/redrive", { body: "all" }),
    status: 415,
    code: "UnsupportedMediaType",
    message: /got "text\/plain;charset=UTF-8"/,
  },
  // Routing
  {
    name: "an unknown route",
    send: request("GET", "/admin"),
    status: 404,
    code: "NotFound",
    message: /There is no route GET "\/admin"; the routes are: GET \/health, POST \/jobs/,
  },
  {
    name: "an unknown route under /api",
    send: request("DELETE", "/api/queues/greeting/messages"),
    status: 404,
    code: "NotFound",
    message: /There is no route DELETE "\/api\/queues\/greeting\/messages"/,
  },
  {
    name: "PUT /jobs",
    send: request("PUT", "/jobs", { body: "{}" }),
    status: 405,
    code: "MethodNotAllowed",
    message: /PUT is not allowed on \/jobs; it takes POST, GET/,
    headers: { allow: "POST, GET, HEAD" },
  },
  {
    name: "PUT /jobs/:jobNameOrId",
    send: request("PUT", "/jobs/greeting", { body: "{}" }),
    status: 405,
    code: "MethodNotAllowed",
    message: /PUT is not allowed on \/jobs\/:jobNameOrId; it takes POST, GET, HEAD, DELETE/,
    headers: { allow: "POST, GET, HEAD, DELETE" },
  },
  {
    name: "DELETE /api/queues/:job",
    send: request("DELETE", "/api/queues/greeting"),
    status: 405,
    code: "MethodNotAllowed",
    message: /DELETE is not allowed on \/api\/queues\/:job; it takes GET, HEAD/,
    headers: { allow: "GET, HEAD" },
  },
  {
    name: "POST /health",
    send: post("/health", {}),
    status: 405,
    code: "MethodNotAllowed",
    message: /POST is not allowed on \/health/,
    headers: { allow: "GET, HEAD" },
  },
  {
    name: "GET /api/queues/:job/purge",
    send: request("GET", "/api/queues/greeting/purge"),
    status: 405,
    code: "MethodNotAllowed",
    message: /GET is not allowed on \/api\/queues\/:job\/purge; it takes POST/,
    headers: { allow: "POST" },
  },
  {
    name: "OPTIONS with CORS off",
    send: request("OPTIONS", "/jobs", { headers: { origin: "https://evil.example" } }),
    status: 405,
    code: "MethodNotAllowed",
    message: /OPTIONS is not allowed on \/jobs/,
    headers: { allow: "POST" },
  },
];

const keyedCases: HostileCase[] = [
  {
    name: "no Authorization header",
    send: post("/jobs", greetingEnvelope()),
    status: 401,
    code: "Unauthorized",
    message:
      /needs an API key: send `Authorization: Bearer <key>`; the request has no Authorization header/,
    headers: { "www-authenticate": /^Bearer/ },
  },
  {
    name: "a wrong key",
    send: post("/jobs", greetingEnvelope(), { authorization: `Bearer ${KEY}x` }),
    status: 401,
    code: "Unauthorized",
    message: /The API key in the Authorization header is not valid/,
    headers: { "www-authenticate": /^Bearer .*error="invalid_token"/ },
  },
  {
    name: "a key that is a prefix of the right one",
    send: post("/jobs/greeting", { friendName: "Hank" }, { authorization: "Bearer s3cret" }),
    status: 401,
    code: "Unauthorized",
    message: /not valid/,
    headers: { "www-authenticate": /^Bearer/ },
  },
  {
    name: "the right key in the Basic scheme",
    send: post("/jobs", greetingEnvelope(), { authorization: `Basic ${KEY}` }),
    status: 401,
    code: "Unauthorized",
    message: /needs `Authorization: Bearer <key>`; got the "Basic" scheme/,
    headers: { "www-authenticate": /^Bearer/ },
  },
  {
    name: "Bearer with no key",
    send: post("/jobs", greetingEnvelope(), { authorization: "Bearer" }),
    status: 401,
    code: "Unauthorized",
    message: /the Bearer header has no key/,
    headers: { "www-authenticate": /^Bearer/ },
  },
  {
    name: "the DLQ API without a key",
    send: request("GET", "/api/queues/greeting/dlq"),
    status: 401,
    code: "Unauthorized",
    message: /no Authorization header/,
    headers: { "www-authenticate": /^Bearer/ },
  },
  {
    name: "purge with a wrong key",
    send: request("POST", "/api/queues/greeting/purge", {
      headers: { authorization: "Bearer no" },
    }),
    status: 401,
    code: "Unauthorized",
    message: /not valid/,
    headers: { "www-authenticate": /^Bearer/ },
  },
];

describe("hostile requests: the queue API and routing", () => {
  runCases(openCases, {});
});

describe("hostile requests: the API key", () => {
  runCases(keyedCases, { apiKey: KEY });
});
