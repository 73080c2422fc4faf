import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SynthJob, type SynthResult, synthesize } from "../../src/cdk/index.js";
import { readFindings } from "../../src/cdk/synth.js";
import { OffloadError } from "../../src/core/errors.js";
import { loadJobs } from "../../src/runtime/load-jobs.js";
import { jobOptions, tempFolder, twoJobSources, writeJobs } from "./support.js";

const folder = tempFolder();
let jobs: SynthJob[];
let result: SynthResult;

beforeAll(async () => {
  const dir = join(folder.dir, "jobs");
  writeJobs(dir, twoJobSources());
  jobs = (await loadJobs(dir)).map((j) => ({
    name: j.name,
    file: j.file,
    options: j.definition.options,
  }));
  result = await synthesize({
    jobs,
    app: "demo",
    aws: {
      alertEmail: "ops@example.com",
      api: { auth: { jwt: { issuer: "https://auth.example.com/", audience: ["api"] } } },
    },
    outdir: join(folder.dir, "cdk.out"),
  });
});
afterAll(() => folder.cleanup());

const template = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("synthesize", () => {
  it("writes the cloud assembly and says where the template is", () => {
    expect(result.stackName).toBe("demo-dev");
    expect(result.outdir).toBe(join(folder.dir, "cdk.out"));
    expect(result.templateFile).toBe(join(folder.dir, "cdk.out", "demo-dev.template.json"));
    expect(Object.keys(template(result.templateFile).Outputs)).toContain("JobAQueueUrl");
    expect(existsSync(join(result.outdir, "manifest.json"))).toBe(true);
  });

  it("passes cdk-nag's AwsSolutions checks with nothing to warn about", () => {
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("returns each job's row for the CLI's summary", () => {
    expect(result.jobs).toEqual([
      {
        name: "a",
        runtime: "lambda",
        queue: "demo-dev-a",
        dlq: "demo-dev-a-dlq",
        timeoutSeconds: 30,
        retryDelaySeconds: 300,
        maxAttempts: 3,
        bundleBytes: expect.any(Number),
      },
      {
        name: "b",
        runtime: "lambda",
        queue: "demo-dev-b",
        dlq: "demo-dev-b-dlq",
        timeoutSeconds: 15,
        retryDelaySeconds: 90,
        maxAttempts: 5,
        bundleBytes: expect.any(Number),
      },
    ]);
    for (const job of result.jobs) expect(job.bundleBytes).toBeGreaterThan(1000);
    expect(result.apiBundleBytes).toBeGreaterThan(1000);
  });

  it("deploys the bundles it built", () => {
    const t = template(result.templateFile);
    const functions = Object.values(t.Resources).filter(
      (r) => (r as { Type: string }).Type === "AWS::Lambda::Function",
    );
    expect(functions).toHaveLength(3);
    const manifest = JSON.parse(
      readFileSync(join(result.outdir, "demo-dev.assets.json"), "utf8"),
    ) as { files: Record<string, { source: { path: string } }> };
    // Each function's asset is one of the bundle folders, copied into the assembly.
    const staged = Object.values(manifest.files).map((f) => f.source.path);
    const zips = staged.filter((p) => p.startsWith("asset."));
    expect(zips).toHaveLength(3);
    for (const dir of zips) expect(existsSync(join(result.outdir, dir, "index.mjs"))).toBe(true);
  });

  it("names the stack <app>-<stage>, or Stack-PR<n> from the option or the context", async () => {
    const outdir = (name: string) => join(folder.dir, `out-${name}`);
    const prod = await synthesize({ jobs, app: "demo", stage: "prod", outdir: outdir("prod") });
    expect(prod.stackName).toBe("demo-prod");
    expect(prod.jobs[0]!.queue).toBe("demo-prod-a");
    const pr = await synthesize({ jobs, app: "demo", pr: 12, outdir: outdir("pr") });
    expect(pr.stackName).toBe("Stack-PR12");
    expect(basename(pr.templateFile)).toBe("Stack-PR12.template.json");
    const ctx = await synthesize({
      jobs,
      app: "demo",
      context: { pr: "7" },
      outdir: outdir("ctx"),
    });
    expect(ctx.stackName).toBe("Stack-PR7");
  });

  it("warns when retryDelay is below 6 × timeout", async () => {
    const quick = { ...jobs[1]!, options: jobOptions({ timeout: "30s", retryDelay: "1m" }) };
    const warned = await synthesize({
      jobs: [quick],
      app: "demo",
      outdir: join(folder.dir, "out-warn"),
    });
    expect(warned.warnings).toEqual([
      `job "b": retryDelay 1m is below 6 × timeout 30s (3m): AWS advises a visibility timeout of at least six times the function timeout, so Lambda can retry a throttled batch before its messages become visible again`,
    ]);
    expect(warned.errors).toEqual([]);
  });

  it("refuses a retryDelay shorter than the timeout, naming the job, before bundling", async () => {
    const outdir = join(folder.dir, "out-refused");
    const slow = { ...jobs[0]!, options: { ...jobs[0]!.options, retryDelayMs: 10_000 } };
    const attempt = synthesize({ jobs: [slow, jobs[1]!], app: "demo", outdir });
    await expect(attempt).rejects.toThrow(OffloadError);
    await expect(attempt).rejects.toThrow(
      `job "a": retryDelay 10s is shorter than timeout 30s: a message would become visible while still running`,
    );
    expect(existsSync(join(outdir, "bundles"))).toBe(false);
  });

  it("writes every acknowledged cdk-nag finding and its reason into the template", async () => {
    const open = await synthesize({
      jobs,
      app: "demo",
      aws: { api: { auth: "none" } },
      outdir: join(folder.dir, "out-open"),
    });
    expect(open.errors).toEqual([]);
    const acknowledged = Object.entries(template(open.templateFile).Resources).flatMap(([id, r]) =>
      (
        (
          r as {
            Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string; reason: string }> } };
          }
        ).Metadata?.cdk_nag?.rules_to_suppress ?? []
      ).map((s) => ({ resource: id, rule: s.id, reason: s.reason })),
    );
    const byAuth = acknowledged.filter((a) => a.rule === "AwsSolutions-APIG4");
    expect(byAuth.map((a) => a.resource.replace(/[0-9A-F]{8}$/, ""))).toEqual([
      "ApiHttpApiPOSTjobs",
      "ApiHttpApiPOSTjobsjobName",
    ]);
    for (const a of byAuth) expect(a.reason).toMatch(/aws\.api\.auth to "none"/);
    // The default (IAM) stack acknowledges scheduling's findings only, as the open one does.
    const scheduling = (file: string) =>
      Object.values(template(file).Resources).flatMap(
        (r) =>
          (
            r as { Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string }> } } }
          ).Metadata?.cdk_nag?.rules_to_suppress.map((s) => s.id) ?? [],
      );
    expect(new Set(scheduling(result.templateFile))).toEqual(
      new Set([
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/demo-dev/*]",
        "AwsSolutions-SQS3",
      ]),
    );
    expect(acknowledged.filter((a) => a.rule !== "AwsSolutions-APIG4").length).toBeGreaterThan(0);
  });
});

describe("readFindings", () => {
  it("returns cdk-nag's errors from the validation report", () => {
    const outdir = join(folder.dir, "out-findings");
    const app = new App({
      outdir,
      context: { "@aws-cdk/core:failSynthOnValidationErrors": false },
    });
    const stack = new Stack(app, "bad");
    new sqs.Queue(stack, "Plain", { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const findings = readFindings(app.synth(), stack.artifactId);
    expect(findings.warnings).toEqual([]);
    expect(findings.errors.map((e) => e.split(":")[0]).sort()).toEqual([
      "AwsSolutions-SQS2",
      "AwsSolutions-SQS3",
      "AwsSolutions-SQS4",
    ]);
    expect(findings.errors[0]).toMatch(/\[bad\/Plain\/Resource\]$/);
  });
});
