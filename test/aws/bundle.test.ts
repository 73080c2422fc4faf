/**
 * The job function is bundled by esbuild into every job's Lambda, with the
 * AWS SDK left to the Lambda runtime: it must stay small and free of the
 * local server's parts (Hono, the engine, SQLite, the runtime).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import type { SqsHandler } from "../../src/lambda/index.js";

const repo = resolve(import.meta.dirname, "../..");
const dir = join(repo, ".test-tmp", randomUUID());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `source` (imports relative to the repo) as CDK would, writing the bundle to `name`. */
async function bundle(source: string, name: string) {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, name);
  const result = await build({
    stdin: { contents: source, resolveDir: repo, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    external: ["@aws-sdk/*"],
    metafile: true,
    outfile,
    logLevel: "silent",
  });
  const output = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]!;
  return {
    outfile,
    bytes: output.bytes,
    externals: [...new Set(output.imports.filter((i) => i.external).map((i) => i.path))].sort(),
    inputs: Object.keys(result.metafile.inputs),
  };
}

const inside = (inputs: string[], pattern: RegExp) => inputs.filter((i) => pattern.test(i));

describe("the job function's bundle", () => {
  it("holds only offload's core, lambda and aws modules, needs only the SQS and DynamoDB clients, and runs", async () => {
    const { outfile, bytes, externals, inputs } = await bundle(
      `import { createJobFunction } from "./src/aws/job-function.ts";
       import { defineJob } from "./src/core/define-job.ts";
       import { silentLogger } from "./src/core/logger.ts";
       export const handler = createJobFunction(
         defineJob({ handler: async (payload) => { if (payload.fail) throw new Error("failing on purpose"); } }),
         { jobName: "probe", logger: silentLogger,
           queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/probe",
           dlqUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/probe-dlq" },
       );`,
      "job.mjs",
    );
    // DynamoDB for the job table's records; the Lambda runtime has both clients.
    expect(externals).toEqual(["@aws-sdk/client-dynamodb", "@aws-sdk/client-sqs"]);
    expect(inside(inputs, /node_modules\//)).toEqual([]);
    expect(inside(inputs, /^src\/(?!core\/|lambda\/|aws\/)/)).toEqual([]);
    expect(
      inside(
        inputs,
        /^src\/aws\/(api-function|transport|dlq|stack-outputs|options|job-records|job-records-list)\.ts$/,
      ),
    ).toEqual([]);
    // Job records (the job table), cancel, progress and idempotent handlers took it from about
    // 28 KB to 44 KB; defineJob's checks of schedules (time zones, cron) and container options
    // to 53.5 KB: about 26 KB of it is the job options' resolution, which a job file runs when
    // it loads (bench:bundle follows it against its 25 KB target).
    expect(bytes).toBeLessThan(56_000);

    const { handler } = (await import(pathToFileURL(outfile).href)) as { handler: SqsHandler };
    const record = (messageId: string, body: string) => ({
      messageId,
      receiptHandle: `rh-${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1767225600000",
        SenderId: "AIDAEXAMPLE",
        ApproximateFirstReceiveTimestamp: "1767225600001",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs" as const,
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:probe",
      awsRegion: "us-east-1",
    });
    expect(
      await handler({
        Records: [record("ok-1", '{"fail":false}'), record("bad-1", '{"fail":true}')],
      }),
    ).toEqual({ batchItemFailures: [{ itemIdentifier: "bad-1" }] });
  });
});

describe("the API function's bundle", () => {
  it("needs no SQLite, engine, wire endpoint or file system: only the AWS clients and crypto", async () => {
    const { externals, inputs } = await bundle(
      `import { createApiFunction } from "./src/aws/api-function.ts";
       export const handler = createApiFunction({ jobs: {}, env: {
         OFFLOAD_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:app-jobs", OFFLOAD_QUEUES: "{}" } });`,
      "api.mjs",
    );
    // The Scheduler client sends delays beyond 15 minutes (in Lambda's Node.js runtime, as the
    // others are); node:crypto names their schedules.
    expect(externals).toEqual([
      "@aws-sdk/client-dynamodb",
      "@aws-sdk/client-scheduler",
      "@aws-sdk/client-sns",
      "@aws-sdk/client-sqs",
      "node:crypto",
    ]);
    expect(
      inside(inputs, /better-sqlite3|^src\/(runtime|cli|http\/wire|engine\/(?!errors\.ts))/),
    ).toEqual([]);
  });
});
