/**
 * `offload worker` as it runs in an ECS task: against moto's SQS, with a fake ECS agent (the
 * task scale-in protection endpoint on a loopback port) and a TestClock for the worker's time.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AwsTransport } from "../../../src/aws/index.js";
import { TestClock } from "../../../src/core/clock.js";
import { newJobId } from "../../../src/core/job-id.js";
import { startWorker, type Worker } from "../../../src/runtime/container/worker.js";
import { type LoadedJob, loadJobs, type RuntimeEvents } from "../../../src/runtime/index.js";
import {
  type AwsLayout,
  createLayout,
  type MotoClients,
  startMotoClients,
} from "../../aws/support.js";
import { jobsFolder } from "../../support/app.js";
import { type FakeEcsAgent, startFakeEcsAgent } from "../../support/fake-ecs-agent.js";
import { startJobGate } from "../../support/job-gate.js";
import { recordingLogger } from "../../support/recording-logger.js";

let clients: MotoClients;
let folder: { dir: string; cleanup: () => void };
let jobs: LoadedJob[];
let gate: Awaited<ReturnType<typeof startJobGate>>;
beforeAll(async () => {
  clients = await startMotoClients();
  gate = await startJobGate();
  folder = jobsFolder({
    // Runs until the test opens its gate.
    long: `export default defineJob({ runtime: "container", timeout: "2h", retryDelay: "30s", concurrency: 2,
      handler: async ({ gate }: { gate: string }) => { await fetch(gate); } });`,
  });
  jobs = await loadJobs(folder.dir);
});
afterAll(async () => {
  await gate?.close();
  folder?.cleanup();
  await clients?.close();
});

let worker: Worker | undefined;
let agent: FakeEcsAgent | undefined;
afterEach(async () => {
  await worker?.runtime.stop();
  worker = undefined;
  await agent?.close();
  agent = undefined;
});

async function start(withAgent = true) {
  const layout = await createLayout(clients, [{ name: "long", visibilityTimeoutSeconds: 30 }]);
  const log = recordingLogger();
  const transport = layout.transport({ logger: log.logger }) as AwsTransport;
  const clock = new TestClock();
  if (withAgent) agent = await startFakeEcsAgent();
  worker = await startWorker({
    jobs,
    transport,
    logger: log.logger,
    clock,
    env: agent ? { ECS_AGENT_URI: agent.uri } : {},
    runtime: { alarmIntervalMs: 3_600_000 },
  });
  return { layout, clock, log, worker, queueUrl: layout.queues.long!.queueUrl };
}

/** Sends a job held at the gate `id`. */
async function sendHeld(layout: AwsLayout, id: string) {
  await clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: layout.queues.long!.queueUrl,
      MessageBody: JSON.stringify({ gate: gate.url(id) }),
      MessageAttributes: {
        jobName: { DataType: "String", StringValue: "long" },
        jobId: { DataType: "String", StringValue: newJobId(Date.now()) },
      },
    }),
  );
}

function next<K extends keyof RuntimeEvents>(w: Worker, event: K): Promise<RuntimeEvents[K]> {
  return new Promise((resolve) =>
    w.runtime.once(event, ((...args: RuntimeEvents[K]) => resolve(args)) as never),
  );
}

describe("offload worker on ECS", () => {
  it("acquires task protection before it runs a job and releases it once done", async () => {
    const { layout, log, worker: w, queueUrl } = await start();
    const done = next(w, "job:done");
    await sendHeld(layout, "a1");
    await gate.arrived("a1");
    // Protection for the job's timeout and a minute, before the handler ran.
    expect(agent!.changes()).toEqual(["true:121"]);
    gate.open("a1");
    await done;
    await agent!.waitForCalls(2);
    expect(agent!.changes()).toEqual(["true:121", "false"]);
    expect(await layout.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 0 });
    const lines = log.records.map((r) => r.message);
    expect(lines.indexOf("Acquiring task protection")).toBeLessThan(
      lines.indexOf("Releasing task protection"),
    );
  });

  it("renews protection when a job starts that would outlast it", async () => {
    const { layout, clock, worker: w } = await start();
    await sendHeld(layout, "r1");
    await gate.arrived("r1");
    expect(agent!.changes()).toEqual(["true:121"]);
    // An hour and a half into the first job, a second one starts: it needs 2h from now.
    clock.advance(90 * 60_000);
    await sendHeld(layout, "r2");
    await gate.arrived("r2");
    expect(agent!.changes()).toEqual(["true:121", "true:121"]);
    const bothDone = new Promise<void>((resolve) => {
      let n = 0;
      w.runtime.on("job:done", () => ++n === 2 && resolve());
    });
    gate.open("r1");
    gate.open("r2");
    await bothDone;
    await agent!.waitForCalls(3);
    expect(agent!.changes()[2]).toBe("false");
  });

  it("on SIGTERM stops polling, lets a running job finish within stopTimeout, releases protection", async () => {
    const { layout, log, worker: w, queueUrl } = await start();
    const done = next(w, "job:done");
    await sendHeld(layout, "s1");
    await gate.arrived("s1");
    const stopped = w.shutdown();
    // No more polling: a job sent now stays in the queue.
    await sendHeld(layout, "s2");
    gate.open("s1");
    await done;
    await stopped;
    expect(agent!.changes()).toEqual(["true:121", "false"]);
    expect(await layout.counts(queueUrl)).toMatchObject({ visible: 1, inFlight: 0 });
    expect(log.records.at(-1)?.message).toBe("Worker stopped");
  });

  it("makes a job still running at the stopTimeout visible again at once", async () => {
    const { layout, clock, log, worker: w, queueUrl } = await start();
    await sendHeld(layout, "d1");
    await gate.arrived("d1");
    const stopped = w.shutdown();
    await log.waitFor((r) => r.message.startsWith("Stopping"));
    clock.advance(119_999);
    expect(await layout.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
    clock.advance(1);
    await stopped;
    // Visible now, not after its 30 s visibility timeout: another worker takes it at once.
    const [again] = await layout.receiveOnce(queueUrl, 30);
    expect(JSON.parse(again!.Body!)).toEqual({ gate: gate.url("d1") });
    expect(agent!.changes()).toEqual(["true:121", "false"]);
    expect(
      log.records.find((r) =>
        r.message.startsWith("still running when the worker's stop timeout ended"),
      ),
    ).toBeDefined();
    gate.open("d1");
  });

  it("leaves no message hidden by a long poll that shutdown aborted", async () => {
    const { layout, log, worker: w, queueUrl } = await start(false);
    // The worker's long polls are under way; shutdown aborts them, then a job arrives.
    const stopping = w.runtime.stop({ withinStopTimeout: true });
    await stopping;
    await sendHeld(layout, "p1");
    await w.shutdown();
    // What the aborted polls received is visible again, not hidden for 30 s.
    const [message] = await layout.receiveOnce(queueUrl, 30);
    expect(JSON.parse(message!.Body!)).toEqual({ gate: gate.url("p1") });
    expect(
      log.records.find((r) => r.message.startsWith("an aborted long poll received 1 message(s)")),
    ).toBeDefined();
  });

  it("runs without protection where ECS_AGENT_URI is not set", async () => {
    const { layout, log, worker: w } = await start(false);
    expect(w.protection).toBeUndefined();
    const done = next(w, "job:done");
    await sendHeld(layout, "n1");
    await gate.arrived("n1");
    gate.open("n1");
    await done;
    expect(log.records.some((r) => r.message.includes("task protection"))).toBe(false);
  });
});
