import { describe, expect, it } from "vitest";
import { assertValidStack, type StackInput, validateStack } from "../../src/cdk/validate.js";
import { defineJob } from "../../src/core/define-job.js";
import { OffloadError } from "../../src/core/errors.js";
import type { ResolvedJobOptions } from "../../src/core/job-types.js";
import { jobOptions } from "./support.js";

function input(
  jobs: Array<{ name: string; options?: Partial<ResolvedJobOptions>; hasCode?: boolean }>,
  rest: Partial<StackInput> = {},
): StackInput {
  return {
    jobs: jobs.map((j) => ({
      name: j.name,
      // Resolved options can hold what defineJob refuses: the stack checks again.
      options: { ...jobOptions(), ...j.options },
      hasCode: j.hasCode ?? true,
    })),
    memorySize: 1024,
    alertEmail: undefined,
    auth: "iam",
    corsOrigins: [],
    ...rest,
  };
}

describe("validateStack", () => {
  it("accepts the defaults with no warning", () => {
    expect(validateStack(input([{ name: "a" }, { name: "b" }]))).toEqual({
      problems: [],
      warnings: [],
    });
  });

  it("refuses a retryDelay shorter than the timeout, naming the job, both values and why", () => {
    const { problems } = validateStack(
      input([
        { name: "ok" },
        { name: "resize-image", options: { timeoutMs: 15_000, retryDelayMs: 10_000 } },
      ]),
    );
    expect(problems).toEqual([
      `job "resize-image": retryDelay 10s is shorter than timeout 15s: a message would become visible while still running (the queue's visibility timeout must be at least the function's timeout)`,
    ]);
  });

  it("lets a container job's retryDelay be shorter than its timeout while its worker renews it", () => {
    const container = (heartbeat: boolean) =>
      input([
        {
          name: "render",
          options: {
            runtime: "container",
            timeoutMs: 300_000,
            retryDelayMs: 30_000,
            container: {
              ...defineJob({ runtime: "container", handler: async () => {} }).options.container!,
              heartbeat,
            },
          },
        },
      ]);
    expect(validateStack(container(true))).toEqual({ problems: [], warnings: [] });
    expect(validateStack(container(false)).problems).toEqual([
      `job "render": retryDelay 30s is shorter than timeout 5m: a message would become visible while still running (the queue's visibility timeout must be at least the function's timeout)`,
    ]);
  });

  it("warns below 6 × timeout, and not at 6 × timeout", () => {
    const below = validateStack(
      input([{ name: "a", options: { timeoutMs: 30_000, retryDelayMs: 60_000 } }]),
    );
    expect(below.problems).toEqual([]);
    expect(below.warnings).toEqual([
      `job "a": retryDelay 1m is below 6 × timeout 30s (3m): AWS advises a visibility timeout of at least six times the function timeout, so Lambda can retry a throttled batch before its messages become visible again`,
    ]);
    const at = validateStack(
      input([{ name: "a", options: { timeoutMs: 30_000, retryDelayMs: 180_000 } }]),
    );
    expect(at.warnings).toEqual([]);
  });

  it("warns when the retries outlast the queue's retention", () => {
    const { warnings } = validateStack(
      input([{ name: "slow", options: { maxAttempts: 100, retryDelayMs: 12 * 3_600_000 } }]),
    );
    expect(warnings).toEqual([
      `job "slow": maxAttempts 100 × retryDelay 12h (50d with the delay) is longer than the queue's retention of 14 days: a failing message would expire before it reaches the DLQ`,
    ]);
  });

  it("refuses names whose output keys clash, duplicates and invalid names", () => {
    const { problems } = validateStack(
      input([
        { name: "send-mail" },
        { name: "send_mail" },
        { name: "x" },
        { name: "x" },
        { name: "Bad" },
      ]),
    );
    expect(problems).toEqual([
      `job "x" is given twice: job names are unique`,
      `job "Bad": the name must be 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or digit (it names the job's queues and outputs)`,
      `jobs "send-mail" and "send_mail" would share output keys (names differing only in '-' or '_' give the same key): rename one`,
    ]);
  });

  it("refuses a Lambda job without code and a container job without an image", () => {
    const { problems } = validateStack(
      input([
        { name: "lam", hasCode: false },
        { name: "box", hasCode: false, options: { runtime: "container" } },
      ]),
    );
    expect(problems).toEqual([
      `job "lam" runs on Lambda but no function code was given for it`,
      `job "box" runs in a container but no image was given for it`,
    ]);
  });

  it("checks memorySize, alertEmail, the JWT authorizer and CORS origins", () => {
    const { problems } = validateStack(
      input([], {
        memorySize: 64,
        alertEmail: "ops",
        auth: { jwt: { issuer: "http://issuer.example.com", audience: [] } },
        corsOrigins: ["https://app.example.com/path", "*", "https://ok.example.com"],
      }),
    );
    expect(problems).toEqual([
      "memorySize 64 is not a whole number of MB from 128 to 10240 (Lambda's range)",
      `alertEmail "ops" is not an email address: the alert topic sends the DLQ alarms to it`,
      `api.auth.jwt.issuer "http://issuer.example.com" is not an https URL: API Gateway fetches the issuer's keys from it`,
      "api.auth.jwt.audience [] must list at least one non-empty audience (API Gateway requires one)",
      `api.corsOrigins entries must be "*" or an origin like "https://app.example.com" (scheme and host, no path); got "https://app.example.com/path"`,
    ]);
  });
});

describe("assertValidStack", () => {
  it("throws InvalidStack listing every problem under the stack's name", () => {
    let error: unknown;
    try {
      assertValidStack(
        "shop-prod",
        input([{ name: "a", options: { timeoutMs: 60_000, retryDelayMs: 30_000 } }], {
          memorySize: 99_999,
        }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OffloadError);
    expect((error as OffloadError).code).toBe("InvalidStack");
    expect((error as OffloadError).message).toBe(
      [
        "Cannot build the stack shop-prod (2 problems):",
        `- job "a": retryDelay 30s is shorter than timeout 1m: a message would become visible while still running (the queue's visibility timeout must be at least the function's timeout)`,
        "- memorySize 99999 is not a whole number of MB from 128 to 10240 (Lambda's range)",
      ].join("\n"),
    );
  });

  it("returns the warnings when there is no problem", () => {
    const warnings = assertValidStack(
      "shop-prod",
      input([{ name: "a", options: { timeoutMs: 60_000, retryDelayMs: 60_000 } }]),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^job "a": retryDelay 1m is below 6 × timeout 1m/);
  });
});
