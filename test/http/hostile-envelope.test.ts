import { describe, expect } from "vitest";
import { greetingEnvelope, type HostileCase, post, runCases } from "./hostile.js";

const cases: HostileCase[] = [
  // The envelope of POST /jobs
  {
    name: "envelope without jobName",
    send: post("/jobs", { payload: { friendName: "Hank" } }),
    status: 400,
    code: "InvalidRequest",
    message: /^jobName is missing/,
  },
  {
    name: "jobName of the wrong type",
    send: post("/jobs", { jobName: 5, payload: {} }),
    status: 400,
    code: "InvalidRequest",
    message: /jobName must be a string; got a number \(5\)/,
  },
  {
    name: "envelope without payload",
    send: post("/jobs", { jobName: "greeting" }),
    status: 400,
    code: "InvalidRequest",
    message: /^payload is missing/,
  },
  {
    name: "an extra envelope field",
    send: post("/jobs", { jobName: "greeting", payload: { friendName: "Hank" }, priority: 1 }),
    status: 400,
    code: "InvalidRequest",
    message: /Unknown field "priority" in the request body; the fields are jobName, payload/,
    // The detail's path names the unknown field.
    details: { issues: [{ path: "priority", message: expect.any(String) }] },
  },
  {
    name: "a __proto__ key in the envelope",
    send: post(
      "/jobs",
      '{"jobName":"greeting","payload":{"friendName":"Hank"},"__proto__":{"polluted":"yes"}}',
    ),
    status: 400,
    code: "InvalidRequest",
    message: /Unknown field "__proto__"/,
  },
  {
    name: "missing jobName and an extra field at once",
    send: post("/jobs", { payload: 1, job: "greeting" }),
    status: 400,
    code: "InvalidRequest",
    message: /jobName is missing.*; Unknown field "job"/,
  },
  {
    name: "JSON null as the envelope",
    send: post("/jobs", "null"),
    status: 400,
    code: "InvalidRequest",
    message: /must be a JSON object .*jobName.*; got null/,
  },
  {
    name: "a JSON array as the envelope",
    send: post("/jobs", greetingEnvelope().replace(/^/, "[").concat("]")),
    status: 400,
    code: "InvalidRequest",
    message: /must be a JSON object .*; got an array/,
  },
  {
    name: "a JSON number as the envelope",
    send: post("/jobs", "42"),
    status: 400,
    code: "InvalidRequest",
    message: /must be a JSON object .*; got a number \(42\)/,
  },
  {
    name: "a JSON string as the envelope",
    send: post("/jobs", '"greeting"'),
    status: 400,
    code: "InvalidRequest",
    message: /must be a JSON object .*; got a string \("greeting"\)/,
  },
  // Delays
  {
    name: "delaySeconds as a string in the envelope",
    send: post("/jobs", greetingEnvelope({ delaySeconds: "5" })),
    status: 400,
    code: "InvalidDelay",
    message:
      /delaySeconds must be a whole number of seconds from 0 to 31536000 \(365 days\); got a string \("5"\)/,
  },
  {
    name: "delaySeconds over 365 days",
    send: post("/jobs", greetingEnvelope({ delaySeconds: 31_536_001 })),
    status: 400,
    code: "InvalidDelay",
    message:
      /^delaySeconds must be a whole number of seconds from 0 to 31536000 \(365 days\); got a number \(31536001\)$/,
  },
  {
    name: "runAt that is no date",
    send: post("/jobs", greetingEnvelope({ runAt: "tomorrow" })),
    status: 400,
    code: "InvalidDelay",
    message:
      /^runAt must be an ISO 8601 date-time with its offset, e.g. "2026-03-01T09:00:00Z" or "2026-03-01T10:00:00\+01:00"; got "tomorrow"$/,
    details: { issues: [{ path: "runAt", message: expect.any(String) }] },
  },
  {
    name: "runAt without an offset",
    send: post("/jobs", greetingEnvelope({ runAt: "2026-03-01T09:00:00" })),
    status: 400,
    code: "InvalidDelay",
    message: /^runAt must be an ISO 8601 date-time with its offset.*; got "2026-03-01T09:00:00"$/,
  },
  {
    name: "runAt as a number",
    send: post("/jobs", greetingEnvelope({ runAt: 1772355600000 })),
    status: 400,
    code: "InvalidDelay",
    message: /^runAt must be an ISO 8601 date-time .*; got a number \(1772355600000\)$/,
  },
  {
    name: "runAt more than 365 days ahead (of the server's clock, 2026-01-01)",
    send: post("/jobs", greetingEnvelope({ runAt: "2027-01-02T00:00:00Z" })),
    status: 400,
    code: "DelayTooLong",
    message:
      /^runAt 2027-01-02T00:00:00\.000Z is 366 days away, beyond the longest a send waits: 365 days \(31536000 seconds\)$/,
  },
  {
    name: "both delaySeconds and runAt",
    send: post("/jobs", greetingEnvelope({ delaySeconds: 60, runAt: "2026-01-01T02:00:00Z" })),
    status: 400,
    code: "InvalidSendOptions",
    message:
      /^A job takes delaySeconds or runAt, not both; got delaySeconds 60 and runAt "2026-01-01T02:00:00Z"$/,
  },
  {
    name: "negative delaySeconds",
    send: post("/jobs", greetingEnvelope({ delaySeconds: -1 })),
    status: 400,
    code: "InvalidDelay",
    message: /delaySeconds .*; got a number \(-1\)/,
  },
  {
    name: "fractional delaySeconds",
    send: post("/jobs", greetingEnvelope({ delaySeconds: 1.5 })),
    status: 400,
    code: "InvalidDelay",
    message: /delaySeconds must be a whole number .*; got a number \(1\.5\)/,
  },
  {
    name: "?delaySeconds= not a number",
    send: post("/jobs/greeting?delaySeconds=soon", { friendName: "Hank" }),
    status: 400,
    code: "InvalidDelay",
    message: /Query parameter delaySeconds must be a whole number from 0 to 31536000; got "soon"/,
  },
  {
    name: "?delaySeconds= over 365 days",
    send: post("/jobs/greeting?delaySeconds=31536001", { friendName: "Hank" }),
    status: 400,
    code: "InvalidDelay",
    message: /Query parameter delaySeconds .* from 0 to 31536000; got 31536001/,
  },
  {
    name: "?runAt= that is no date",
    send: post("/jobs/greeting?runAt=2026-02-30T09:00:00Z", { friendName: "Hank" }),
    status: 400,
    code: "InvalidDelay",
    message:
      /^Query parameter runAt must be an ISO 8601 date-time with its offset.*; got "2026-02-30T09:00:00Z"$/,
  },
  {
    name: "?runAt= with ?delaySeconds=",
    send: post("/jobs/greeting?runAt=2026-01-01T02:00:00Z&delaySeconds=5", { friendName: "Hank" }),
    status: 400,
    code: "InvalidSendOptions",
    message: /^A job takes delaySeconds or runAt, not both; got delaySeconds 5 and runAt/,
  },
  {
    name: "?delaySeconds= negative",
    send: post("/jobs/greeting?delaySeconds=-5", { friendName: "Hank" }),
    status: 400,
    code: "InvalidDelay",
    message: /delaySeconds .*; got "-5"/,
  },
  {
    name: "?delaySeconds= given twice",
    send: post("/jobs/greeting?delaySeconds=1&delaySeconds=2", { friendName: "Hank" }),
    status: 400,
    code: "InvalidDelay",
    message: /delaySeconds is given 2 times/,
  },
  {
    name: "a mistyped query parameter (?delay=)",
    send: post("/jobs/greeting?delay=60", { friendName: "Hank" }),
    status: 400,
    code: "InvalidRequest",
    message: /Unknown query parameter "delay"; this route takes delaySeconds/,
  },
  // Jobs and payloads
  {
    name: "an unknown job in the envelope",
    send: post("/jobs", { jobName: "send-fax", payload: {} }),
    status: 404,
    code: "UnknownJob",
    message: /There is no job "send-fax"; the jobs are: audit, greeting, place-order/,
  },
  {
    name: "an unknown job in the path",
    send: post("/jobs/send-fax", {}),
    status: 404,
    code: "UnknownJob",
    message: /There is no job "send-fax"; the jobs are: audit, greeting, place-order/,
  },
  {
    name: "a payload that fails the schema",
    send: post("/jobs", {
      jobName: "place-order",
      payload: { productId: "p-1", name: "Ann", address: "1 Main St", quantity: 0 },
    }),
    status: 422,
    code: "InvalidPayload",
    message: /place-order does not match its schema: quantity: /,
    details: { issues: [{ path: "quantity", message: expect.any(String) }] },
  },
  {
    name: "a payload of the wrong type on POST /jobs/:jobName",
    send: post("/jobs/greeting", { friendName: 7 }),
    status: 422,
    code: "InvalidPayload",
    message: /greeting does not match its schema: friendName: /,
    details: { issues: [{ path: "friendName", message: expect.any(String) }] },
  },
  {
    name: "a __proto__ key in a payload its schema refuses",
    send: post("/jobs/place-order", '{"__proto__":{"polluted":"yes"},"productId":"p-1"}'),
    status: 422,
    code: "InvalidPayload",
    message: /place-order does not match its schema/,
    details: { issues: expect.arrayContaining([expect.objectContaining({ path: "quantity" })]) },
  },
  {
    name: "a payload over SNS's 256 KiB (under the body limit)",
    send: post("/jobs/greeting", { friendName: "x".repeat(300_000) }),
    status: 413,
    code: "PayloadTooLarge",
    message:
      /payload of greeting is \d+ bytes as JSON, and \d+ with its message attributes; the limit is 262144 \(256 KiB/,
  },
  {
    // The topic counts the jobName and jobId attributes (68 bytes here) in its 256 KiB as well.
    name: "a payload under 256 KiB that its message attributes take over it",
    send: post("/jobs/greeting", { friendName: "x".repeat(262_144 - 17 - 10) }),
    status: 413,
    code: "PayloadTooLarge",
    message:
      /^The payload of greeting is 262134 bytes as JSON, and 262202 with its message attributes; the limit is 262144 /,
  },
];

describe("hostile requests: the envelope, delays, jobs and payloads", () => {
  runCases(cases, {});
});
