import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_TABLE_NAME_OUTPUT } from "../../src/core/job-table.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { applyTemplateToMoto } from "../support/apply-template.js";
import { type SdkClients, sdkClients } from "../support/sdk-clients.js";
import { appFolder, cli } from "./server.js";

/**
 * A job with a recurring schedule, from `offload synth` to the stack on moto: the summary lists
 * the schedule, `offload schedules --aws` reads it back from EventBridge Scheduler, and a cancel
 * whose schedule cannot be deleted says so.
 */
describe("schedules on AWS through the offload command, against moto", () => {
  const stack = "schedemo-test";
  let folder: ReturnType<typeof appFolder>;
  let moto: MotoServer;
  let clients: SdkClients;
  let scheduler: SchedulerClient;
  let outputsFile: string;
  const env = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" };
  let aws: string[];

  beforeAll(async () => {
    folder = appFolder({
      report: `export default defineJob({
        schedule: "cron(0/5 * * * ? *)",
        timezone: "Europe/Paris",
        handler: async () => {},
      });`,
      greeting: "export default defineJob({ handler: async () => {} });",
    });
    writeFileSync(
      join(folder.dir, "offload.config.ts"),
      `import { defineConfig } from "offload";\nexport default defineConfig({ app: "schedemo", stage: "test", jobs: "jobs" });\n`,
    );
    moto = await startMoto();
    clients = sdkClients(moto.endpoint);
    scheduler = new SchedulerClient(clients.config);
    aws = ["--aws", "--endpoint-url", moto.endpoint];
  }, 60_000);

  afterAll(async () => {
    scheduler?.destroy();
    clients?.destroy();
    await moto?.stop();
    folder?.cleanup();
  });

  it("synth lists the schedules in the stack's group", async () => {
    const { code, stdout, stderr } = await cli(["synth"], {}, folder.dir);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    const at = lines.indexOf(`schedules in EventBridge Scheduler group ${stack}:`);
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^job +schedule +expression +timezone +aws name$/);
    expect(lines[at + 3]).toMatch(
      /^report +default +cron\(0\/5 \* \* \* \? \*\) +Europe\/Paris +report\.default$/,
    );

    // moto plays CloudFormation, the job table included (as the CLI's send test does).
    const templateFile = join(folder.dir, "cdk.out", `${stack}.template.json`);
    const outputs = await applyTemplateToMoto(templateFile, {
      ...clients,
      scheduler,
      stackName: stack,
    });
    const template = JSON.parse(readFileSync(templateFile, "utf8")) as {
      Resources: Record<string, { Type: string; Properties: Record<string, never> }>;
    };
    const table = Object.values(template.Resources).find((r) => r.Type === "AWS::DynamoDB::Table");
    const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes } = table!.Properties;
    const dynamodb = new DynamoDBClient(clients.config);
    const tableName = `${stack}-jobs-${randomBytes(3).toString("hex")}`;
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema,
          AttributeDefinitions,
          GlobalSecondaryIndexes,
        }),
      );
    } finally {
      dynamodb.destroy();
    }
    mkdirSync(join(folder.dir, ".offload"), { recursive: true });
    outputsFile = join(folder.dir, ".offload/cdk-outputs.json");
    writeFileSync(
      outputsFile,
      JSON.stringify({ [stack]: { ...outputs, [JOB_TABLE_NAME_OUTPUT]: tableName } }),
    );
  }, 180_000);

  it("schedules --aws shows the deployed schedule, its next due times, and counts delayed sends", async () => {
    const before = Date.now();
    const sent = await cli(["send", "greeting", "{}", "--delay", "2h", ...aws], env, folder.dir);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);

    const json = await cli(["--json", "schedules", ...aws], env, folder.dir);
    expect(json.stderr).toBe("");
    const { schedules, delayedSends } = JSON.parse(json.stdout);
    expect(delayedSends).toBe(1);
    expect(schedules).toHaveLength(1);
    const [report] = schedules;
    expect(report).toMatchObject({
      jobName: "report",
      name: "default",
      expression: "cron(0/5 * * * ? *)",
      timezone: "Europe/Paris",
      state: "ENABLED",
    });
    const next = (report.next as string[]).map((t) => Date.parse(t));
    expect(next).toHaveLength(3);
    expect(next[0]).toBeGreaterThan(before);
    for (const t of next) expect(t % 300_000).toBe(0);
    expect([next[1]! - next[0]!, next[2]! - next[1]!]).toEqual([300_000, 300_000]);

    const human = await cli(["schedules", ...aws], env, folder.dir);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^job +schedule +expression +timezone +state +next +last run +outcome$/,
    );
    expect(lines[2]).toMatch(
      /^report +default +cron\(0\/5 \* \* \* \? \*\) +Europe\/Paris +ENABLED +\d{4}-\d\d-\d\d \d\d:\d[05]:00Z /,
    );
    expect(lines.at(-1)).toBe(
      "1 send(s) delayed beyond 15 minutes waiting as one-time schedules (not listed)",
    );
  }, 60_000);

  it("cancel --aws warns on stderr when the job's schedule cannot be deleted", async () => {
    const sent = await cli(
      ["--json", "send", "greeting", "{}", "--delay", "3h", ...aws],
      env,
      folder.dir,
    );
    const { jobId } = JSON.parse(sent.stdout) as { jobId: string };
    // Scheduler refuses the delete; every other call goes through to moto.
    const proxy = await refusingScheduleDeletes(moto.endpoint);
    try {
      const cancelled = await cli(
        ["cancel", jobId, "--aws", "--endpoint-url", proxy.url],
        env,
        folder.dir,
      );
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toBe(
        `cancelled job ${jobId}: marked cancelled: the job function drops it unrun when it arrives\n`,
      );
      expect(cancelled.stderr).toMatch(
        new RegExp(
          `^offload: warning: job ${jobId}: could not delete the schedule of a cancelled job; its function drops it when it fires: .+\\n$`,
        ),
      );
      expect(proxy.deletes).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

/** A loopback proxy to `target` that answers every Scheduler DeleteSchedule with a 400. */
async function refusingScheduleDeletes(target: string): Promise<{
  url: string;
  deletes: number;
  close(): Promise<void>;
}> {
  const upstream = new URL(target);
  const state = { deletes: 0 };
  const server: Server = createServer((req, res) => {
    if (req.method === "DELETE" && req.url?.startsWith("/schedules/")) {
      state.deletes += 1;
      req.resume();
      res.writeHead(400, {
        "content-type": "application/json",
        "x-amzn-errortype": "ValidationException",
      });
      res.end(JSON.stringify({ message: "refused for the test" }));
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get deletes() {
      return state.deletes;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
