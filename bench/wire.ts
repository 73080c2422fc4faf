/**
 * The SQS wire endpoint through @aws-sdk/client-sqs: send-batch, receive 10
 * and delete-batch of 50,000 messages against `offload start` and, in the
 * same run, against moto_server. Target: ≥ 10 × moto, and above ElasticMQ's
 * published 2,500 msg/s.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { startMoto } from "../test/conformance/moto.js";

const repo = resolve(import.meta.dirname, "..");
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
/**
 * moto handles a few dozen messages a second here, slower as its queue grows
 * (5,000 did not finish in 15 minutes), so it gets a smaller sample and the
 * rates are compared.
 */
const MOTO_MESSAGES = Number(process.env.BENCH_MOTO_MESSAGES ?? 500);
const IN_FLIGHT = 8;

interface Result {
  messages: number;
  sendPerSecond: number;
  drainPerSecond: number;
  endToEndPerSecond: number;
}

async function run(endpoint: string, count: number): Promise<Result> {
  const sqs = new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `wire-bench-${Date.now()}` }),
  );
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const from = next;
        next += 10;
        const Entries = Array.from({ length: Math.min(10, count - from) }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: JSON.stringify({ n: from + i }),
        }));
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
        if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed[0])}`);
      }
    }),
  );
  const sent = performance.now();
  // At-least-once: a message may come twice; count each id once.
  const drainedIds = new Set<string>();
  let empty = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (drainedIds.size < count && empty < 50) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (Messages.length === 0) {
          empty++;
          continue;
        }
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        for (const m of Messages) drainedIds.add(m.MessageId!);
      }
    }),
  );
  const done = performance.now();
  sqs.destroy();
  if (drainedIds.size !== count) throw new Error(`drained ${drainedIds.size} of ${count}`);
  return {
    messages: count,
    sendPerSecond: Math.round(count / ((sent - started) / 1000)),
    drainPerSecond: Math.round(count / ((done - sent) / 1000)),
    endToEndPerSecond: Math.round(count / ((done - started) / 1000)),
  };
}

function startOffload(app: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(repo, "bin/offload.mjs"), "start"], {
    cwd: app,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((done, fail) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n").find((l) => l.includes("offload is listening"));
      if (!line) return;
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      done({ url: String((JSON.parse(line) as { url: string }).url), child });
    });
    child.once("exit", (code) => fail(new Error(`offload start exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "offload-wire-bench-"));
  const app = join(repo, ".test-tmp", `bench-wire-${process.pid}`);
  mkdirSync(join(app, "jobs"), { recursive: true });
  writeFileSync(
    join(app, "offload.config.ts"),
    `import { defineConfig } from "offload";\nexport default defineConfig({ jobs: "jobs", database: ${JSON.stringify(join(work, "wire.db"))}, port: 0 });\n`,
  );
  writeFileSync(
    join(app, "jobs", "noop.ts"),
    `import { defineJob } from "offload";\nexport default defineJob({ handler: async () => {} });\n`,
  );
  const results: Record<string, Result> = {};
  try {
    console.log(`offload: ${MESSAGES} messages through the SDK...`);
    const offload = await startOffload(app);
    try {
      results.offload = await run(offload.url, MESSAGES);
    } finally {
      const exited = new Promise((r) => offload.child.once("exit", r));
      offload.child.kill("SIGTERM");
      await exited;
    }
    console.log(`moto: ${MOTO_MESSAGES} messages through the SDK...`);
    const moto = await startMoto();
    try {
      results.moto = await run(moto.endpoint, MOTO_MESSAGES);
    } finally {
      await moto.stop();
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
  const ratio = results.offload!.endToEndPerSecond / results.moto!.endToEndPerSecond;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    setup: {
      messages: { offload: MESSAGES, moto: MOTO_MESSAGES },
      inFlight: IN_FLIGHT,
      durability: "full",
    },
    results,
    ratio,
    targets: {
      "offload ≥ 10 × moto": ratio >= 10,
      "offload above ElasticMQ's published 2,500 msg/s": results.offload!.endToEndPerSecond > 2500,
    },
  };
  mkdirSync(join(repo, "bench/results"), { recursive: true });
  writeFileSync(join(repo, "bench/results/wire.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `\nSQS through @aws-sdk/client-sqs — ${report.date} — ${report.machine.cpus} × ${report.machine.model}`,
  );
  console.log(
    `${"server".padEnd(8)} ${"messages".padStart(8)} ${"send/s".padStart(8)} ${"drain/s".padStart(8)} ${"end-to-end/s".padStart(13)}`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(8)} ${String(r.messages).padStart(8)} ${String(r.sendPerSecond).padStart(8)} ${String(r.drainPerSecond).padStart(8)} ${String(r.endToEndPerSecond).padStart(13)}`,
    );
  }
  console.log(`\noffload / moto: ${ratio.toFixed(1)}`);
  for (const [target, met] of Object.entries(report.targets))
    console.log(`${met ? "met   " : "MISSED"} ${target}`);
}

await main();
