import { describe, expect, it } from "vitest";
import { unknownJob } from "../../src/core/error-codes.js";
import { OffloadError } from "../../src/core/errors.js";

describe("unknownJob", () => {
  it("names the job and the jobs there are, sorted, as an UnknownJob OffloadError", () => {
    const error = unknownJob("nope", ["place-order", "greeting"]);
    expect(error).toBeInstanceOf(OffloadError);
    expect(error).toMatchObject({
      code: "UnknownJob",
      jobName: "nope",
      message: 'There is no job "nope"; the jobs are: greeting, place-order',
    });
  });

  it("says where the jobs were looked for, and that there are none", () => {
    expect(unknownJob("nope", [], "this stack").message).toBe(
      'There is no job "nope" in this stack; the jobs are: (none)',
    );
  });

  it("cuts a long name in the message, but keeps it whole in jobName", () => {
    const name = "x".repeat(100);
    const error = unknownJob(name, ["greeting"]);
    expect(error.message).toBe(`There is no job "${"x".repeat(40)}…"; the jobs are: greeting`);
    expect(error.jobName).toBe(name);
  });
});
