/**
 * The local runtime (Lambda's event source mapping, emulated) over the AWS
 * transport, against moto: what `offload worker` does in a container.
 */
import { once } from "node:events";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEAD_LETTER_REASON_ATTRIBUTE } from "../../src/aws/index.js";
import { newJobId } from "../../src/core/job-id.js";
import { silentLogger } from "../../src/core/logger.js";
import {
  type LoadedJob,
  loadJobs,
  type Runtime,
  type RuntimeEvents,
  startRuntime,
} from "../../src/runtime/index.js";
import { jobsFolder } from "../support/app.js";
import {
  type AwsLayout,
  attribute,
  createLayout,
  type MotoClients,
  startMotoClients,
} from "./support.js";

const MAX_ATTEMPTS = 3;

let clients: MotoClients;
let folder: { dir: string; cleanup: () => void };
let jobs: LoadedJob[];
beforeAll(async () => {
  clients = await startMotoClients();
  folder = jobsFolder({
    greeting: `export default defineJob({ concurrency: 2, timeout: "5s", retryDelay: "30s",
      schema: z.object({ friendName: z.string() }), handler: async () => {} });`,
    // RetryLater with no delay: the next attempt comes at once, not after the visibility timeout.
    doomed: `export default defineJob({ concurrency: 2, maxAttempts: ${MAX_ATTEMPTS}, timeout: "5s", retryDelay: "30s",
      handler: async () => { throw new RetryLater("always failing", { delay: "0s" }); } });`,
    hopeless: `export default defineJob({ concurrency: 2, timeout: "5s", retryDelay: "30s",
      handler: async () => { throw new Unrecoverable("bad address"); } });`,
  });
  jobs = await loadJobs(folder.dir);
});
afterAll(async () => {
  folder?.cleanup();
  await clients?.close();
});

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

/** The jobs' layout on moto (maxReceiveCount = maxAttempts, visibility = retryDelay) and a runtime over it. */
async function start(): Promise<{ layout: AwsLayout; runtime: Runtime }> {
  const layout = await createLayout(
    clients,
    jobs.map((job) => ({
      name: job.name,
      maxAttempts: job.definition.options.maxAttempts,
      visibilityTimeoutSeconds: job.definition.options.retryDelayMs / 1000,
    })),
  );
  runtime = await startRuntime({
    jobs,
    transport: layout.transport(),
    logger: silentLogger,
    // Evaluated on job:dlq only; the interval would peek the DLQs during the tests.
    alarmIntervalMs: 3_600_000,
  });
  return { layout, runtime };
}

/** Resolves with the first `count` events of a kind, counted from now. */
function events<K extends keyof RuntimeEvents>(
  emitter: Runtime,
  kind: K,
  count: number,
): Promise<Array<RuntimeEvents[K][0]>> {
  const seen: Array<RuntimeEvents[K][0]> = [];
  return new Promise((resolve) => {
    const listener = (event: RuntimeEvents[K][0]) => {
      seen.push(event);
      if (seen.length === count) resolve(seen);
    };
    (emitter.on as (k: K, l: typeof listener) => void)(kind, listener);
  });
}

/** Long-polls a queue until a message arrives (SQS wakes the poll at once). */
async function receiveOne(queueUrl: string) {
  for (let i = 0; i < 3; i++) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 10,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    if (Messages[0]) return Messages[0];
  }
  throw new Error(`no message arrived in ${queueUrl}`);
}

describe("the runtime over the AWS transport, on moto", () => {
  it("runs a job and deletes its message", async () => {
    const { layout, runtime } = await start();
    const done = events(runtime, "job:done", 1);
    await layout
      .transport()
      .send({ jobId: newJobId(Date.now()), jobName: "greeting", body: '{"friendName":"Hank"}' });
    const [event] = await done;
    expect(event).toMatchObject({ jobName: "greeting", attempt: 1 });
    expect(await layout.counts(layout.queues.greeting!.queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
    expect(runtime.counters("greeting")).toEqual({ processed: 1, failed: 0, deadLettered: 0 });
  });

  it(`moves a job that always fails to its DLQ after exactly maxAttempts = ${MAX_ATTEMPTS} receives`, async () => {
    const { layout, runtime } = await start();
    const failures = events(runtime, "job:failed", MAX_ATTEMPTS);
    await layout
      .transport()
      .send({ jobId: newJobId(Date.now()), jobName: "doomed", body: '{"n":1}' });
    const failed = await failures;
    expect(failed.map((f) => [f.attempt, f.final, f.retryAfterSeconds])).toEqual([
      [1, false, 0],
      [2, false, 0],
      [3, true, 0],
    ]);
    // moto applies the redrive policy on the receive after the last attempt.
    const dead = await receiveOne(layout.queues.doomed!.dlqUrl);
    expect(dead.Body).toBe('{"n":1}');
    expect(dead.MessageId).toBe(failed[0]!.messageId);
    // The count travels with the message: maxAttempts receives, plus this one.
    expect(dead.Attributes?.ApproximateReceiveCount).toBe(String(MAX_ATTEMPTS + 1));
    expect(await layout.counts(layout.queues.doomed!.queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
    expect(runtime.counters("doomed")).toMatchObject({ failed: MAX_ATTEMPTS });
  });

  it("sends an Unrecoverable job to the DLQ at once, with the reason", async () => {
    const { layout, runtime } = await start();
    const dlq = once(runtime, "job:dlq");
    await layout.transport().send({
      jobId: newJobId(Date.now()),
      jobName: "hopeless",
      body: "{}",
      idempotencyKey: "k-9",
    });
    const [event] = (await dlq) as RuntimeEvents["job:dlq"];
    expect(event).toMatchObject({
      jobName: "hopeless",
      attempt: 1,
      reason: "Unrecoverable: bad address",
    });
    const dead = await receiveOne(layout.queues.hopeless!.dlqUrl);
    expect(dead.Body).toBe("{}");
    expect(attribute(dead, "idempotencyKey")).toBe("k-9");
    expect(attribute(dead, DEAD_LETTER_REASON_ATTRIBUTE)).toBe("Unrecoverable: bad address");
    expect(await layout.counts(layout.queues.hopeless!.queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
  });
});
