import { describe, expect, it } from "vitest";
import { InvalidPayloadError } from "../../src/core/client.js";
import { OffloadError } from "../../src/core/errors.js";
import {
  ApiError,
  COMMIT_RETRY_AFTER_SECONDS,
  STATUS_BY_CODE,
  toErrorAnswer,
} from "../../src/http/errors.js";
import { firstTooDeep } from "../../src/http/json.js";

describe("toErrorAnswer", () => {
  it("maps the backend's codes to their statuses, keeping the message", () => {
    const cases: Array<[string, number]> = [
      ["UnknownJob", 404],
      ["PayloadTooLarge", 413],
      ["DelayTooLong", 400],
    ];
    for (const [code, status] of cases) {
      expect(toErrorAnswer(new OffloadError(code, `${code} happened`))).toEqual({
        status,
        body: { error: { code, message: `${code} happened` } },
        headers: {},
      });
    }
  });

  it("answers a failed commit 503 with Retry-After, telling the caller nothing was stored, not SQLite's words", () => {
    const error = new OffloadError(
      "CommitFailed",
      "The database transaction failed to commit: database or disk is full",
    );
    expect(toErrorAnswer(error)).toEqual({
      status: 503,
      body: {
        error: {
          code: "CommitFailed",
          message: `The server's database failed to commit this request's write, so it was not stored (a job sent was not queued; a redrive may have moved some messages before the failure): retry in ${COMMIT_RETRY_AFTER_SECONDS} seconds`,
        },
      },
      headers: { "Retry-After": String(COMMIT_RETRY_AFTER_SECONDS) },
    });
  });

  it("gives InvalidPayload the schema's issues", () => {
    const error = new InvalidPayloadError("greeting", [
      { path: "friendName", message: "Required" },
    ]);
    expect(toErrorAnswer(error)).toEqual({
      status: 422,
      body: {
        error: {
          code: "InvalidPayload",
          message: "The payload of greeting does not match its schema: friendName: Required",
          details: { issues: [{ path: "friendName", message: "Required" }] },
        },
      },
      headers: {},
    });
  });

  it("hides unknown codes and non-offload errors behind a generic 500", () => {
    for (const thrown of [
      new OffloadError("EngineClosed", "engine at /srv/db closed"),
      new OffloadError("InternalError", "a detail"),
      new TypeError("x is undefined"),
      "a string",
    ]) {
      expect(toErrorAnswer(thrown)).toEqual({
        status: 500,
        body: {
          error: { code: "InternalError", message: "The server failed to handle the request" },
        },
        headers: {},
      });
    }
  });

  it("answers ApiErrors with their details and headers", () => {
    const error = new ApiError("MethodNotAllowed", "no", { headers: { Allow: "GET" } });
    expect(toErrorAnswer(error)).toMatchObject({ status: 405, headers: { Allow: "GET" } });
    expect(STATUS_BY_CODE.UnsupportedMediaType).toBe(415);
  });
});

describe("firstTooDeep", () => {
  it("counts brackets outside strings, escapes included", () => {
    expect(firstTooDeep("[[]]", 2)).toBeUndefined();
    expect(firstTooDeep("[[[]]]", 2)).toBe(2);
    expect(firstTooDeep('["[[[", {"a": "\\"[[["}]', 2)).toBeUndefined();
    expect(firstTooDeep('["\\\\", [[1]]]', 2)).toBe(8);
  });
});
