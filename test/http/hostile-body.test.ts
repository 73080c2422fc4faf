import { describe } from "vitest";
import {
  deep,
  greetingEnvelope,
  type HostileCase,
  json,
  MiB,
  NOT_UTF8,
  post,
  raw,
  request,
  runCases,
} from "./hostile.js";

const cases: HostileCase[] = [
  // JSON syntax, encoding, depth
  {
    name: "malformed JSON",
    send: post("/jobs", '{"jobName": "greeting", "payload": '),
    status: 400,
    code: "MalformedJson",
    message: /^The request body is not valid JSON: Unexpected end of JSON input/,
  },
  {
    name: "a property name without quotes",
    send: post("/jobs", "{jobName: 1}"),
    status: 400,
    code: "MalformedJson",
    message: /not valid JSON: .*position 1/,
    details: { position: 1 },
  },
  {
    name: "trailing garbage after the JSON",
    send: post("/jobs", `${greetingEnvelope()} {}`),
    status: 400,
    code: "MalformedJson",
    message: new RegExp(
      `not valid JSON: Unexpected non-whitespace character after JSON at position ${greetingEnvelope().length + 1}`,
    ),
    details: { position: greetingEnvelope().length + 1 },
  },
  {
    name: "a number beyond a double's range, which would be stored as null",
    send: post("/jobs", '{"jobName":"audit","payload":{"items":[1,{"n":-1e400}]}}'),
    status: 400,
    code: "NumberOutOfRange",
    message:
      /^The request body has a number too large to keep at payload\.items\.1\.n: JSON numbers here must be within ±1\.7976931348623157e\+308$/,
    details: { path: "payload.items.1.n" },
  },
  {
    name: "a payload that is a number of 400 digits",
    send: post("/jobs/audit", "9".repeat(400)),
    status: 400,
    code: "NumberOutOfRange",
    message: /at the body itself:/,
  },
  {
    name: "an empty body",
    send: post("/jobs", ""),
    status: 400,
    code: "MalformedJson",
    message: /The request body is empty; expected JSON/,
  },
  {
    name: "a body of whitespace",
    send: post("/jobs/audit", " \r\n\t "),
    status: 400,
    code: "MalformedJson",
    message: /The request body is empty/,
  },
  {
    name: "a UTF-8 byte order mark",
    send: post("/jobs", `\uFEFF${greetingEnvelope()}`),
    status: 400,
    code: "MalformedJson",
    message: /starts with a byte order mark \(U\+FEFF\)/,
  },
  {
    name: "bytes that are not UTF-8",
    send: raw({
      path: "/jobs",
      headers: ["Content-Type: application/json", `Content-Length: ${NOT_UTF8.length}`],
      body: NOT_UTF8,
    }),
    status: 400,
    code: "InvalidEncoding",
    message: /not valid UTF-8 \(byte 0xff at offset 14\)/,
  },
  {
    name: "a truncated multi-byte character",
    send: raw({
      path: "/jobs/audit",
      headers: ["Content-Type: application/json", "Content-Length: 3"],
      body: Buffer.from([0x22, 0x22, 0xe2]),
    }),
    status: 400,
    code: "InvalidEncoding",
    message: /not valid UTF-8 \(it ends inside a multi-byte character\)/,
  },
  {
    name: "arrays nested 100,000 deep",
    send: post("/jobs/audit", deep(100_000)),
    status: 400,
    code: "TooDeep",
    message:
      /nests arrays or objects more than 100 levels deep \(at position 100\); the limit is 100/,
  },
  {
    name: "a payload nested 100 deep inside the envelope (101 in all)",
    send: post("/jobs", `{"jobName":"audit","payload":${deep(100)}}`),
    status: 400,
    code: "TooDeep",
    message: /more than 100 levels deep/,
  },
  {
    name: "objects nested 200 deep, brackets in strings not counted",
    send: post("/jobs/audit", `${'{"a[[[":'.repeat(200)}1${"}".repeat(200)}`),
    status: 400,
    code: "TooDeep",
    message: /more than 100 levels deep \(at position 800\)/,
  },
  // Content types
  {
    name: "text/plain",
    send: post("/jobs", greetingEnvelope(), { "content-type": "text/plain" }),
    status: 415,
    code: "UnsupportedMediaType",
    message: /Content-Type must be application\/json .*; got "text\/plain"/,
  },
  {
    name: "a form post",
    send: request("POST", "/jobs", {
      body: new URLSearchParams({ jobName: "greeting" }),
    }),
    status: 415,
    code: "UnsupportedMediaType",
    message: /got "application\/x-www-form-urlencoded;charset=UTF-8"/,
  },
  {
    name: "no Content-Type at all",
    send: raw({
      path: "/jobs",
      headers: [`Content-Length: ${greetingEnvelope().length}`],
      body: greetingEnvelope(),
    }),
    status: 415,
    code: "UnsupportedMediaType",
    message: /Content-Type must be application\/json .*; the request has no Content-Type/,
  },
  {
    name: "JSON in another charset",
    send: post("/jobs", greetingEnvelope(), { "content-type": "application/json; charset=latin1" }),
    status: 415,
    code: "UnsupportedMediaType",
    message: /got charset "latin1"/,
  },
  {
    name: "a gzip-compressed body",
    send: post("/jobs", greetingEnvelope(), { "content-encoding": "gzip" }),
    status: 415,
    code: "UnsupportedMediaType",
    message:
      /The body must be sent uncompressed \(no Content-Encoding, or identity\); got Content-Encoding "gzip"/,
  },
  // Sizes
  {
    name: "a 2 MiB body",
    send: post("/jobs/audit", json({ blob: "x".repeat(2 * MiB) })),
    status: 413,
    code: "PayloadTooLarge",
    message: /Content-Length is 2097163 bytes; the limit is 1048576 bytes/,
  },
  {
    name: "a chunked 2 MiB body with no Content-Length",
    send: raw({
      path: "/jobs/audit",
      headers: ["Content-Type: application/json"],
      chunks: Array.from({ length: 32 }, () => Buffer.alloc(64 * 1024, 0x20)),
    }),
    status: 413,
    code: "PayloadTooLarge",
    message: /it has more than 1048576 bytes; the limit is 1048576 bytes/,
  },
  {
    name: "a 10 MB Content-Length with a small body",
    send: raw({
      path: "/jobs",
      headers: ["Content-Type: application/json", "Content-Length: 10000000"],
      body: greetingEnvelope(),
    }),
    status: 413,
    code: "PayloadTooLarge",
    message: /Content-Length is 10000000 bytes; the limit is 1048576/,
  },
];

describe("hostile requests: JSON, encoding, depth, content type and size", () => {
  runCases(cases, {});
});
