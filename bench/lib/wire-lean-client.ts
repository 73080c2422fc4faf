/**
 * One lean client process of the wire benchmark (bench/wire.ts): the same
 * requests the AWS SDK sends (SQS JSON bodies, the SDK's headers, a
 * SigV4-shaped Authorization header), written as raw HTTP/1.1 on keep-alive
 * sockets, each request's bytes built before the run where they can be (the
 * sends and the receive; a delete carries the handles just received). It
 * spends a small fraction of the SDK's CPU per request, so the servers' own
 * capacity decides the rate rather than the load generator's.
 *
 * Speaks the IPC protocol of wire-client.ts.
 */
import { connect, type Socket } from "node:net";
import type { FromClient, ToClient } from "./wire-client.js";

const endpoint = new URL(process.env.WIRE_ENDPOINT!);
const clients = Number(process.env.WIRE_CLIENTS ?? 4);
const post = (message: FromClient) => process.send!(message);

/**
 * The headers the SDK (v3, @aws-sdk/client-sqs) sends, with a fixed signature of the right
 * shape: no server here verifies one.
 */
function request(target: string, body: string): Buffer {
  const length = Buffer.byteLength(body);
  const date = "20261207T120000Z";
  return Buffer.from(
    `POST / HTTP/1.1\r\nhost: ${endpoint.host}\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: AmazonSQS.${target}\r\nx-amzn-query-mode: true\r\nx-amz-user-agent: aws-sdk-js/3.946.0\r\nuser-agent: aws-sdk-js/3.946.0 ua/2.1 os/linux#6.8 lang/js md/nodejs#20.19.0 api/sqs#3.946.0 m/E\r\namz-sdk-invocation-id: 6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab\r\namz-sdk-request: attempt=1; max=1\r\nx-amz-date: ${date}\r\nauthorization: AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/sqs/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent, Signature=0f4a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8\r\ncontent-length: ${length}\r\nconnection: keep-alive\r\n\r\n${body}`,
  );
}

/** One keep-alive connection with one request in flight; resolves each with its status and body. */
class Connection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting:
    | { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void }
    | undefined;

  constructor() {
    this.#socket = connect(Number(endpoint.port), endpoint.hostname);
    this.#socket.setNoDelay(true);
    this.#socket.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    this.#socket.on("error", (e) => this.#waiting?.reject(e));
    this.#socket.on("close", () =>
      this.#waiting?.reject(new Error("the server closed the connection")),
    );
  }

  send(bytes: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(bytes);
    });
  }

  #parse(): void {
    const end = this.#buffer.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = this.#buffer.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body: string;
    let rest: Buffer;
    if (length) {
      const total = end + 4 + Number(length[1]);
      if (this.#buffer.length < total) return;
      body = this.#buffer.toString("utf8", end + 4, total);
      rest = this.#buffer.subarray(total);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const chunks: Buffer[] = [];
      let at = end + 4;
      for (;;) {
        const line = this.#buffer.indexOf("\r\n", at);
        if (line === -1) return;
        const size = Number.parseInt(this.#buffer.toString("latin1", at, line), 16);
        if (this.#buffer.length < line + 2 + size + 2) return;
        if (size === 0) {
          at = line + 4;
          break;
        }
        chunks.push(this.#buffer.subarray(line + 2, line + 2 + size));
        at = line + 2 + size + 2;
      }
      body = Buffer.concat(chunks).toString("utf8");
      rest = this.#buffer.subarray(at);
    } else {
      this.#waiting?.reject(new Error(`an answer with neither length nor chunks: ${head}`));
      return;
    }
    this.#buffer = rest;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve({ status, body });
  }

  close(): void {
    this.#socket.destroy();
  }
}

const connections = Array.from({ length: clients }, () => new Connection());
let queueUrl = "";
let requests = 0;
let stopping = false;
let cpuStart = process.cpuUsage();
const seen = new Set<string>();

async function call(connection: Connection, bytes: Buffer): Promise<string> {
  requests++;
  const { status, body } = await connection.send(bytes);
  if (status !== 200) throw new Error(`answered ${status}: ${body.slice(0, 300)}`);
  return body;
}

async function send(from: number, count: number): Promise<void> {
  // Every send's bytes first, as the SDK's would be if they cost nothing.
  const batches: Buffer[] = [];
  for (let first = 0; first < count; first += 10) {
    const Entries = Array.from({ length: Math.min(10, count - first) }, (_, i) => ({
      Id: `m${i}`,
      MessageBody: JSON.stringify({ n: from + first + i }),
    }));
    batches.push(request("SendMessageBatch", JSON.stringify({ QueueUrl: queueUrl, Entries })));
  }
  cpuStart = process.cpuUsage();
  requests = 0;
  let next = 0;
  await Promise.all(
    connections.map(async (connection) => {
      while (next < batches.length) {
        const out = JSON.parse(await call(connection, batches[next++]!)) as { Failed?: unknown[] };
        if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed[0])}`);
      }
    }),
  );
}

async function drain(): Promise<void> {
  const receive = request(
    "ReceiveMessage",
    JSON.stringify({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
  );
  await Promise.all(
    connections.map(async (connection) => {
      while (!stopping) {
        const { Messages = [] } = JSON.parse(await call(connection, receive)) as {
          Messages?: Array<{ MessageId: string; ReceiptHandle: string }>;
        };
        if (Messages.length === 0) {
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        const Entries = Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle }));
        const out = JSON.parse(
          await call(
            connection,
            request("DeleteMessageBatch", JSON.stringify({ QueueUrl: queueUrl, Entries })),
          ),
        ) as { Failed?: unknown[] };
        if (out.Failed?.length) throw new Error(`delete failed: ${JSON.stringify(out.Failed[0])}`);
        let fresh = 0;
        for (const m of Messages) {
          if (seen.has(m.MessageId)) continue;
          seen.add(m.MessageId);
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
  for (const connection of connections) connection.close();
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
