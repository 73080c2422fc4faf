import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DOCKERFILE,
  JOB_WORKER_FILE,
  WORKER_FILE,
  writeContainerContexts,
} from "../../src/cdk/container-image.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { type SdkClients, sdkClients } from "../support/sdk-clients.js";
import { tempFolder, writeJobs } from "./support.js";

const folder = tempFolder();
let context: string;
beforeAll(async () => {
  const files = writeJobs(join(folder.dir, "jobs"), {
    render: `export default defineJob({ runtime: "container", handler: async (payload, ctx) => { ctx.logger.info({ payload }, "MARKER_RENDERED"); } });`,
  });
  const contexts = await writeContainerContexts({
    jobs: [{ name: "render", file: files.render! }],
    outdir: join(folder.dir, "containers"),
  });
  context = contexts.get("render")!.directory;
});
afterAll(() => folder.cleanup());

describe("a container job's build context", () => {
  it("holds the Dockerfile and the two bundles", () => {
    expect(readFileSync(join(context, "Dockerfile"), "utf8")).toBe(DOCKERFILE);
    expect(DOCKERFILE).toContain("FROM public.ecr.aws/docker/library/node:22-alpine");
    expect(DOCKERFILE).toContain(`CMD ["node", "--enable-source-maps", "worker.mjs"]`);
    expect(DOCKERFILE).not.toMatch(/^RUN /m);
    expect(existsSync(join(context, WORKER_FILE))).toBe(true);
    expect(existsSync(join(context, JOB_WORKER_FILE))).toBe(true);
    // Their source maps go into the image too: a failed job's stack names the job file's lines.
    for (const file of [WORKER_FILE, JOB_WORKER_FILE]) {
      const map = JSON.parse(readFileSync(join(context, `${file}.map`), "utf8")) as {
        sources: string[];
      };
      expect(map.sources.some((s) => s.endsWith("render.ts"))).toBe(true);
      expect(DOCKERFILE).toContain(`${file}.map`);
    }
  });

  it("bundles everything: the image needs no node_modules", () => {
    const packages = JSON.parse(readFileSync("package.json", "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const file of [WORKER_FILE, JOB_WORKER_FILE]) {
      const code = readFileSync(join(context, file), "utf8");
      const specifiers = [
        ...code.matchAll(/(?:from\s*|import\s*\(\s*|require\(\s*)"([^"]+)"/g),
      ].map((m) => m[1]!);
      const bare = [...new Set(specifiers.filter((s) => !s.startsWith("node:")))].sort();
      // What remains is never reached in the image: esbuild bundles workers at start (the image
      // ships them built); tsx loads .ts job files (the bundle holds the job compiled); the
      // CRT signer is named in an error message.
      expect(bare.filter((s) => !["esbuild", "@aws-sdk/signature-v4-crt"].includes(s))).toEqual([]);
      for (const dev of Object.keys(packages.devDependencies)) {
        expect(specifiers).not.toContain(dev);
      }
    }
    // The job's code is in both: the worker holds its definition, the job worker runs it.
    expect(readFileSync(join(context, WORKER_FILE), "utf8")).toContain("MARKER_RENDERED");
    expect(readFileSync(join(context, JOB_WORKER_FILE), "utf8")).toContain("MARKER_RENDERED");
  });

  it("copies an app's own Dockerfile instead", async () => {
    const own = join(folder.dir, "Dockerfile.app");
    writeFileSync(own, "FROM node:22\nCOPY worker.mjs job-worker.mjs ./\n");
    const files = writeJobs(join(folder.dir, "jobs2"), {
      other: `export default defineJob({ runtime: "container", handler: async () => {} });`,
    });
    const contexts = await writeContainerContexts({
      jobs: [{ name: "other", file: files.other! }],
      outdir: join(folder.dir, "containers2"),
      dockerfile: own,
    });
    const dir = contexts.get("other")!.directory;
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(readFileSync(own, "utf8"));
  });
});

describe("the image's worker, run with node against moto", () => {
  let moto: MotoServer;
  let clients: SdkClients;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    clients = sdkClients(moto.endpoint);
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill("SIGKILL");
      await once(worker, "exit");
    }
    clients?.destroy();
    await moto?.stop();
  });

  it("starts from its environment alone, polls the job's queue, runs the job and stops on SIGTERM", async () => {
    const { sqs, sns } = clients;
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "render" }));
    const { QueueUrl: dlqUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: "render-dlq" }),
    );
    const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: "jobs" }));

    // Only what the task definition sets, plus the SDK's endpoint and credentials (the task role's, on ECS).
    worker = spawn(process.execPath, [join(context, WORKER_FILE)], {
      cwd: context,
      env: {
        PATH: process.env.PATH,
        OFFLOAD_JOB_NAME: "render",
        OFFLOAD_QUEUE_URL: queueUrl,
        OFFLOAD_DLQ_URL: dlqUrl,
        OFFLOAD_TOPIC_ARN: topicArn,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    worker.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const lines = createInterface({ input: worker.stdout! });
    const logs: Array<Record<string, unknown>> = [];
    const next = (test: (entry: Record<string, unknown>) => boolean) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const onLine = (line: string) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (test(entry)) {
            lines.off("line", onLine);
            resolve(entry);
          }
        };
        lines.on("line", onLine);
        worker!.once("exit", (code) =>
          reject(new Error(`worker exited ${code}: ${stderr.join("")}`)),
        );
      });

    const polling = await next((e) => String(e.msg).startsWith("offload worker is polling"));
    expect(polling).toMatchObject({ level: "info", jobName: "render", queueUrl });

    const ran = next((e) => e.msg === "MARKER_RENDERED");
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ page: 7 }),
        MessageAttributes: { jobName: { DataType: "String", StringValue: "render" } },
      }),
    );
    expect(await ran).toMatchObject({ payload: { page: 7 } });

    const exited = once(worker, "exit");
    worker.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    // The job's message was deleted: nothing is left visible or in flight.
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(Attributes).toEqual({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
    expect(logs.filter((e) => e.level === "error")).toEqual([]);
  });
});
