/**
 * One client process of the wire benchmark (bench/wire.ts), forked by it so
 * that the clients' own CPU (the AWS SDK serialises, signs and parses every
 * request) is spent outside the process that times the run and outside the
 * server's. It keeps `clients` SDK clients, each with one request in flight.
 *
 * Protocol with the parent (IPC):
 *   parent → { t: "send", queueUrl, from, count }   send `count` messages, ids from `from`
 *   child  → { t: "sent" }
 *   parent → { t: "drain" }                         receive 10 + delete-batch until told to stop
 *   child  → { t: "drained", n }                    every receive that returned n new messages
 *   parent → { t: "halt" }                          stop draining (after a warm-up)
 *   child  → { t: "halted" }
 *   parent → { t: "stop" }
 *   child  → { t: "done", cpuMs, requests }
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

export type ToClient =
  | { t: "send"; queueUrl: string; from: number; count: number }
  | { t: "drain" }
  | { t: "halt" }
  | { t: "stop" };

export type FromClient =
  | { t: "ready" }
  | { t: "sent" }
  | { t: "drained"; n: number }
  | { t: "halted" }
  | { t: "done"; cpuMs: number; requests: number; failed?: string };

const endpoint = process.env.WIRE_ENDPOINT!;
const clients = Number(process.env.WIRE_CLIENTS ?? 4);
const post = (message: FromClient) => process.send!(message);

const sqs = Array.from(
  { length: clients },
  () =>
    new SQSClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    }),
);
let queueUrl = "";
let requests = 0;
let stopping = false;
/** From the first send: loading the SDK and starting up are not the run's work. */
let cpuStart = process.cpuUsage();
/** Ids seen here: at-least-once delivery may bring a message twice; it counts once. */
const seen = new Set<string>();

async function send(from: number, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    sqs.map(async (client) => {
      while (next < count) {
        const first = next;
        next += 10;
        const Entries = Array.from({ length: Math.min(10, count - first) }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: JSON.stringify({ n: from + first + i }),
        }));
        requests++;
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
        if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed[0])}`);
      }
    }),
  );
}

async function drain(): Promise<void> {
  await Promise.all(
    sqs.map(async (client) => {
      while (!stopping) {
        requests++;
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 60,
          }),
        );
        if (Messages.length === 0) {
          // The queue looks empty: the parent stops the run once every message is counted.
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        requests++;
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        let fresh = 0;
        for (const m of Messages) {
          if (seen.has(m.MessageId!)) continue;
          seen.add(m.MessageId!);
          fresh++;
        }
        post({ t: "drained", n: fresh });
      }
    }),
  );
}

let finished = false;
function finish(failed?: unknown): void {
  if (finished) return;
  finished = true;
  const cpu = process.cpuUsage(cpuStart);
  for (const client of sqs) client.destroy();
  post({
    t: "done",
    cpuMs: (cpu.user + cpu.system) / 1000,
    requests,
    ...(failed === undefined ? {} : { failed: String(failed) }),
  });
  process.disconnect();
}

let draining: Promise<void> | undefined;
process.on("message", (message: ToClient) => {
  if (message.t === "send") {
    queueUrl = message.queueUrl;
    cpuStart = process.cpuUsage();
    requests = 0;
    send(message.from, message.count).then(
      () => post({ t: "sent" }),
      (e: unknown) => finish(e),
    );
  } else if (message.t === "drain") {
    draining = drain().catch((e: unknown) => finish(e));
  } else if (message.t === "halt") {
    stopping = true;
    void (draining ?? Promise.resolve()).then(() => {
      stopping = false;
      draining = undefined;
      post({ t: "halted" });
    });
  } else if (message.t === "stop") {
    stopping = true;
    void (draining ?? Promise.resolve()).then(() => finish());
  }
});
post({ t: "ready" });
