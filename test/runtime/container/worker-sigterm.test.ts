/** A real SIGTERM to a worker in its own process, as ECS sends it at scale-in. */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../../src/core/job-id.js";
import { createLayout, type MotoClients, startMotoClients } from "../../aws/support.js";
import { jobsFolder } from "../../support/app.js";
import { type FakeEcsAgent, startFakeEcsAgent } from "../../support/fake-ecs-agent.js";
import { startJobGate } from "../../support/job-gate.js";

const repo = resolve(import.meta.dirname, "../../..");

let clients: MotoClients;
let agent: FakeEcsAgent;
let gate: Awaited<ReturnType<typeof startJobGate>>;
let folder: { dir: string; cleanup: () => void };
beforeAll(async () => {
  clients = await startMotoClients();
  agent = await startFakeEcsAgent();
  gate = await startJobGate();
  folder = jobsFolder({
    long: `export default defineJob({ runtime: "container", timeout: "2h", retryDelay: "30s",
      handler: async ({ gate }: { gate: string }) => { await fetch(gate); } });`,
  });
});
afterAll(async () => {
  folder?.cleanup();
  await gate?.close();
  await agent?.close();
  await clients?.close();
});

describe("offload worker and SIGTERM", () => {
  it("finishes the running job, releases task protection and exits 0", async () => {
    const layout = await createLayout(clients, [{ name: "long", visibilityTimeoutSeconds: 30 }]);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(repo, "test/fixtures/worker-sigterm-child.ts"), folder.dir],
      {
        cwd: repo,
        env: {
          ...process.env,
          ECS_AGENT_URI: agent.uri,
          WORKER_LAYOUT: JSON.stringify({
            endpoint: clients.moto.endpoint,
            topicArn: layout.topicArn,
            queues: layout.queues,
          }),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    child.stderr.on("data", (chunk) => (err += chunk));
    const line = (pattern: RegExp) =>
      new Promise<void>((found) => {
        const check = () => pattern.test(out) && found();
        child.stdout.on("data", (chunk) => {
          out += chunk;
          check();
        });
        check();
      });
    try {
      await line(/^ready$/m);
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: layout.queues.long!.queueUrl,
          MessageBody: JSON.stringify({ gate: gate.url("t1") }),
          MessageAttributes: {
            jobName: { DataType: "String", StringValue: "long" },
            jobId: { DataType: "String", StringValue: newJobId(Date.now()) },
          },
        }),
      );
      await gate.arrived("t1");
      await line(/^started /m);
      child.kill("SIGTERM");
      // The job goes on after the signal; it ends when the gate opens.
      gate.open("t1");
      expect(await exited).toBe(0);
      expect(err).not.toMatch(/Error/);
      const started = /^started (.+)$/m.exec(out)?.[1];
      expect(out).toContain(`done ${started}`);
      expect(out.trimEnd().endsWith("stopped")).toBe(true);
      expect(agent.changes()).toEqual(["true:121", "false"]);
      expect(await layout.counts(layout.queues.long!.queueUrl)).toMatchObject({
        visible: 0,
        inFlight: 0,
      });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
