import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_TABLE_NAME_OUTPUT } from "../../src/core/job-table.js";
import { jobOutputKey } from "../../src/core/stack-layout.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { applyTemplateToMoto } from "../support/apply-template.js";
import { type SdkClients, sdkClients } from "../support/sdk-clients.js";
import { appFolder, cli, spawnLogged } from "./server.js";

const cdkBin = createRequire(import.meta.url).resolve("aws-cdk/bin/cdk");

/**
 * The AWS side of the `offload` command against moto: `synth` builds the
 * stack from the jobs folder, the template is applied to moto (it stands in
 * for CloudFormation), and `send`, `stats`, `dlq` and `worker` act on it
 * through the outputs file, as they would on a deployed stack.
 */
describe("offload synth, worker and --aws against moto", () => {
  let folder: ReturnType<typeof appFolder>;
  let moto: MotoServer;
  let clients: SdkClients;
  let sqs: SQSClient;
  let sns: SNSClient;
  let outputs: Record<string, string>;
  /** The synthesized template (its job table is created on moto by the test that needs it). */
  let templateFile: string;
  let env: Record<string, string>;
  /** The flags of every --aws command here: moto stands in for AWS. */
  let aws: string[];
  const stack = "clidemo-test";

  beforeAll(async () => {
    folder = appFolder({
      hello: `export default defineJob({
        handler: async (payload: { name: string }, ctx) => { ctx.logger.info({ name: payload.name }, "hello ran"); },
      });`,
      flaky: `import { RetryLater } from "offload";
      export default defineJob({
        maxAttempts: 2,
        handler: async () => { throw new RetryLater("not yet", { delay: "0s" }); },
      });`,
      doomed: `export default defineJob({
        maxAttempts: 3,
        handler: async () => { throw new Unrecoverable("doomed never works"); },
      });`,
    });
    writeFileSync(
      join(folder.dir, "offload.config.ts"),
      `import { defineConfig } from "offload";\nexport default defineConfig({ app: "clidemo", stage: "test", jobs: "jobs" });\n`,
    );
    moto = await startMoto();
    clients = sdkClients(moto.endpoint);
    ({ sqs, sns } = clients);
    aws = ["--aws", "--endpoint-url", moto.endpoint];
    env = {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
    };
  }, 60_000);

  afterAll(async () => {
    clients?.destroy();
    await moto?.stop();
    folder?.cleanup();
  });

  it("synth prints the stack's jobs, queues and bundle sizes, offline", async () => {
    const human = await cli(["synth"], {}, folder.dir);
    expect(human.stderr).toBe("");
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`stack ${stack}:`);
    expect(human.stdout).toMatch(
      new RegExp(`doomed +${stack}-doomed +${stack}-doomed-dlq +15s +90s +3 +[\\d.]+ KiB`),
    );
    expect(human.stdout).toMatch(
      new RegExp(`hello +${stack}-hello +${stack}-hello-dlq +15s +90s +5`),
    );

    const json = await cli(["--json", "synth"], {}, folder.dir);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      stackName: string;
      templateFile: string;
      jobs: Array<{ name: string; bundleBytes: number }>;
    };
    expect(result.stackName).toBe(stack);
    expect(result.jobs.map((j) => j.name)).toEqual(["doomed", "flaky", "hello"]);
    for (const job of result.jobs) expect(job.bundleBytes).toBeGreaterThan(1000);

    // The CDK toolkit `offload deploy` runs reads this cloud assembly (same schema version).
    const ls = spawnSync(
      process.execPath,
      [
        cdkBin,
        "ls",
        "--app",
        join(folder.dir, "cdk.out"),
        "--no-notices",
        "--no-version-reporting",
      ],
      {
        encoding: "utf8",
        // Offline: no version check, no notices, no telemetry (they would reach beyond loopback).
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: "1", CDK_DISABLE_CLI_TELEMETRY: "true" },
      },
    );
    expect(ls.stderr).not.toMatch(/schema version mismatch/i);
    expect(ls.stdout.trim()).toBe(stack);

    templateFile = result.templateFile;
    // moto plays CloudFormation: the template's topic, queues and subscriptions, as `cdk deploy` would create them.
    outputs = await applyTemplateToMoto(result.templateFile, { sqs, sns, stackName: stack });
    mkdirSync(join(folder.dir, ".offload"), { recursive: true });
    writeFileSync(
      join(folder.dir, ".offload/cdk-outputs.json"),
      JSON.stringify({ [stack]: outputs }),
    );
  }, 120_000);

  it("synth --context pr=<n> names the preview stack", async () => {
    const { code, stdout } = await cli(
      ["--json", "synth", "--context", "pr=42", "-o", "cdk.pr"],
      {},
      folder.dir,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout).stackName).toBe("Stack-PR42");
  }, 120_000);

  it("send --aws publishes to the topic, and only the job's queue gets it", async () => {
    const sent = await cli(["send", "hello", '{"name":"Ada"}', ...aws], env, folder.dir);
    expect(sent.stderr).toBe("");
    expect(sent.stdout).toMatch(/^sent hello: \S+/);
    const depth = async (job: string) => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outputs[jobOutputKey(job, "QueueUrl")],
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages);
    };
    expect(await depth("hello")).toBe(1);
    expect(await depth("doomed")).toBe(0);

    const stats = await cli(["--json", "stats", ...aws], env, folder.dir);
    expect(stats.code).toBe(0);
    const queues = JSON.parse(stats.stdout).queues as Array<{ jobName: string; visible: number }>;
    expect(queues.find((q) => q.jobName === "hello")?.visible).toBe(1);
    expect(queues.find((q) => q.jobName === "doomed")?.visible).toBe(0);
  }, 60_000);

  it("refuses malformed JSON and a delay beyond a year, with one line each", async () => {
    const badJson = await cli(["send", "hello", "{nope", ...aws], env, folder.dir);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr.trim()).toMatch(/^offload: The payload is not valid JSON/);
    const late = await cli(["send", "hello", "{}", ...aws, "--delay", "366d"], env, folder.dir);
    expect(late.code).toBe(2);
    expect(late.stderr).toBe(
      'offload: --delay must be at most 365d (31536000 seconds); got "366d"\n',
    );
  }, 60_000);

  it("worker runs the jobs against the stack's queues; dlq list, redrive and purge act on moto", async () => {
    const sent = await cli(["send", "doomed", '{"n":1}', ...aws], env, folder.dir);
    expect(sent.code).toBe(0);
    expect((await cli(["send", "flaky", '{"f":1}', ...aws], env, folder.dir)).code).toBe(0);
    const worker = spawnLogged(folder.dir, ["worker", "--endpoint-url", moto.endpoint], env);
    try {
      await worker.waitForLog((l) => l.msg === "hello ran" && l.name === "Ada");
      await worker.waitForLog(
        (l) => l.msg === "moving the job to its dead-letter queue" && l.jobName === "doomed",
      );
      // moto applies the template's redrive policy: after maxAttempts (2) receives the
      // next receive moves the message to the DLQ instead of delivering it.
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: outputs[jobOutputKey("flaky", "DlqUrl")],
          WaitTimeSeconds: 20,
        }),
      );
      expect(Messages.map((m) => m.Body)).toEqual(['{"f":1}']);
      const failures = worker.logs.filter(
        (l) => String(l.msg).startsWith("job failed") && l.jobName === "flaky",
      );
      expect(failures.map((l) => [l.attempt, l.msg])).toEqual([
        [1, "job failed"],
        [
          2,
          "job failed; that was its last attempt of 2: it moves to the dead-letter queue once its retry delay has passed",
        ],
      ]);
    } finally {
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }

    const list = await cli(["--json", "dlq", "list", "doomed", ...aws], env, folder.dir);
    expect(list.code).toBe(0);
    const messages = JSON.parse(list.stdout).messages as Array<{ messageId: string; body: string }>;
    expect(messages.map((m) => m.body)).toEqual(['{"n":1}']);
    // Listing did not consume it: a second listing sees it again.
    const again = await cli(["--json", "dlq", "list", "doomed", ...aws], env, folder.dir);
    expect(JSON.parse(again.stdout).messages).toHaveLength(1);

    const redrive = await cli(
      ["--json", "dlq", "redrive", "doomed", ...aws, "--id", messages[0]!.messageId],
      env,
      folder.dir,
    );
    expect(redrive.stderr).toBe("");
    expect(JSON.parse(redrive.stdout)).toEqual({ moved: 1, notFound: [] });
    // The message is back in the job's queue (visible, or already taken by a long poll the
    // stopped worker left open on the server) and gone from the DLQ.
    const counts = async (key: "QueueUrl" | "DlqUrl") => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outputs[jobOutputKey("doomed", key)],
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return (
        Number(Attributes.ApproximateNumberOfMessages) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible)
      );
    };
    expect(await counts("QueueUrl")).toBe(1);
    expect(await counts("DlqUrl")).toBe(0);
  }, 120_000);

  it("purge --aws empties the DLQ; stats shows it", async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: outputs[jobOutputKey("doomed", "DlqUrl")],
        MessageBody: '{"n":2}',
      }),
    );
    // AWS_ENDPOINT_URL, the SDK's own variable, does what --endpoint-url does.
    const viaEnv = { ...env, AWS_ENDPOINT_URL: moto.endpoint };
    const before = await cli(["--json", "stats", "--aws"], viaEnv, folder.dir);
    const dlqBefore = (
      JSON.parse(before.stdout).queues as Array<{ jobName: string; dlq: { visible: number } }>
    ).find((q) => q.jobName === "doomed")?.dlq.visible;
    expect(dlqBefore).toBe(1);
    const refused = await cli(["dlq", "purge", "doomed", ...aws], env, folder.dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add --yes to confirm/);
    const purged = await cli(
      ["--json", "dlq", "purge", "doomed", ...aws, "--yes"],
      env,
      folder.dir,
    );
    expect(JSON.parse(purged.stdout)).toEqual({ purged: 1 });
    const after = await cli(["--json", "stats", "--aws"], viaEnv, folder.dir);
    const dlqAfter = (
      JSON.parse(after.stdout).queues as Array<{ jobName: string; dlq: { visible: number } }>
    ).find((q) => q.jobName === "doomed")?.dlq.visible;
    expect(dlqAfter).toBe(0);
  }, 60_000);

  it("send --aws records the job in the stack's job table: a key sends once, a held id is refused", async () => {
    // The template's job table, created on moto as CloudFormation would, named by its output.
    const template = JSON.parse(readFileSync(templateFile, "utf8")) as {
      Resources: Record<string, { Type: string; Properties: Record<string, never> }>;
    };
    const table = Object.values(template.Resources).find((r) => r.Type === "AWS::DynamoDB::Table");
    const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes } = table!.Properties;
    const dynamodb = new DynamoDBClient({ ...clients.config, maxAttempts: 1 });
    try {
      const tableName = `${stack}-jobs`;
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema,
          AttributeDefinitions,
          GlobalSecondaryIndexes,
        }),
      );
      const withTable = join(folder.dir, ".offload/with-table.json");
      writeFileSync(
        withTable,
        JSON.stringify({ [stack]: { ...outputs, [JOB_TABLE_NAME_OUTPUT]: tableName } }),
      );
      const send = (...extra: string[]) =>
        cli(
          ["--json", "send", "hello", '{"name":"Kim"}', ...aws, "--outputs", withTable, ...extra],
          env,
          folder.dir,
        );
      const first = await send("--idempotency-key", "signup-42");
      expect(first.stderr).toBe("");
      const { jobId } = JSON.parse(first.stdout) as { jobId: string };
      const again = await send("--idempotency-key", "signup-42");
      expect(JSON.parse(again.stdout)).toEqual({ jobId });
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: jobId } } }),
      );
      expect(Item).toMatchObject({ jobName: { S: "hello" }, state: { S: "queued" } });

      const taken = await send("--job-id", jobId);
      expect(taken.code).toBe(1);
      expect(JSON.parse(taken.stderr)).toMatchObject({ error: { code: "JobIdInUse" } });

      // Counted, not received: the worker stopped above may still hold a long poll on moto.
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outputs[jobOutputKey("hello", "QueueUrl")],
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      expect(
        Number(Attributes.ApproximateNumberOfMessages) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible),
      ).toBe(1);
    } finally {
      dynamodb.destroy();
    }
  }, 60_000);

  it("--aws without an outputs file says to deploy first", async () => {
    const { code, stderr } = await cli(
      ["stats", ...aws, "--outputs", "nowhere.json"],
      env,
      folder.dir,
    );
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/nowhere\.json/);
    expect(stderr).toMatch(/offload deploy/);
  });

  it("deploy without AWS credentials fails with one clear line before running the toolkit", async () => {
    const home = join(folder.dir, "empty-home");
    mkdirSync(home, { recursive: true });
    const bare: Record<string, string> = {
      HOME: home,
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_PROFILE: "",
      AWS_SHARED_CREDENTIALS_FILE: join(home, "none"),
      AWS_CONFIG_FILE: join(home, "none"),
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
      AWS_WEB_IDENTITY_TOKEN_FILE: "",
      // The SDK's chain would otherwise ask the EC2 metadata service, beyond loopback.
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const { code, stdout, stderr } = await cli(["deploy"], bare, folder.dir);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^offload: No AWS credentials: configure them/);
    expect(stdout).toBe("");
  }, 60_000);
});
