import { execFile } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { createEngine } from "../../src/engine/index.js";
import { createApi } from "../../src/http/index.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { closeServer, DISCARD_LIMIT_BYTES, listen } from "../../src/server/listener.js";
import { engineBackend, JOB_NAMES, jobs } from "../http/support.js";
import { recordingLogger } from "../support/recording-logger.js";
import { startTestServer } from "../support/server.js";
import { tempDir } from "../support/temp.js";

// How the server frames its answers on a connection: clients that write a whole body before
// reading, pipelined requests followed by junk, clients that leave mid-request.
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const MiB = 1_048_576;
const start = () =>
  startTestServer({ greet: `export default defineJob({ handler: async () => {} });` }, cleanups);

/**
 * Python's urllib posts the whole body before it reads the answer. Each request is sent from
 * one python3 process; each line printed is the status and the error code, or the exception.
 */
const URLLIB = `
import json, sys, urllib.request, urllib.error
url = sys.argv[1]
for path, size, headers in json.loads(sys.argv[2]):
    request = urllib.request.Request(url + path, data=b"x" * size, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            print(response.status)
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
        code = body["error"]["code"] if "error" in body else body["__type"]
        print(error.code, code, error.headers.get("Connection"))
    except Exception as error:
        print(type(error).__name__, error)
`;

function urllib(url: string, requests: Array<[string, number, Record<string, string>]>) {
  return new Promise<string[]>((resolve, reject) => {
    execFile("python3", ["-c", URLLIB, url, JSON.stringify(requests)], (error, stdout, stderr) => {
      if (error) reject(new Error(stderr || error.message));
      else resolve(stdout.trim().split("\n"));
    });
  });
}

/**
 * Writes `bytes` on a new connection, and resolves with all the server sent until it closed.
 * With `halfClose`, the client ends its side once written (a FIN), as `nc -N` and some proxies
 * do, and goes on reading.
 */
function exchange(port: number, bytes: string, halfClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () =>
      halfClose ? socket.end(bytes) : socket.write(bytes),
    );
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("end", () => {
      socket.end();
      resolve(answer);
    });
    socket.on("error", reject);
  });
}

/** The answers in a stream of HTTP/1.1 responses that all carry a Content-Length. */
function answers(stream: string): Array<{ status: number; head: string; body: string }> {
  const found = [];
  let rest = stream;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    const head = rest.slice(0, end);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
    found.push({
      status: Number(head.split(" ")[1]),
      head,
      body: rest.slice(end + 4, end + 4 + length),
    });
    rest = rest.slice(end + 4 + length);
  }
  return found;
}

const sendGreet = (body: string) =>
  `POST /jobs/greet HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("a body over the limit", () => {
  it("is answered 413 to clients that write the whole body before reading (Python's urllib)", async () => {
    const { server } = await start();
    const json = { "content-type": "application/json" };
    const wire = {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AmazonSQS.SendMessage",
    };
    // Bodies larger than the socket buffers, so the server must read them to be heard.
    expect(
      await urllib(server.url, [
        ["/jobs/greet", 2 * MiB, json],
        ["/jobs/greet", 12 * MiB, json],
        ["/", 12 * MiB, wire],
      ]),
    ).toEqual([
      "413 PayloadTooLarge close",
      "413 PayloadTooLarge close",
      "413 com.amazon.coral.service#RequestEntityTooLarge close",
    ]);
  });

  it("keeps a keep-alive connection usable after the 413 (Node's http client)", async () => {
    const { server } = await start();
    const { port } = new URL(server.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const post = (body: Buffer) =>
      new Promise<{ status: number; connection: unknown; reused: boolean; text: string }>(
        (resolve, reject) => {
          const request = httpRequest(
            {
              host: "127.0.0.1",
              port,
              method: "POST",
              path: "/jobs/greet",
              agent,
              headers: { "content-type": "application/json", "content-length": body.byteLength },
            },
            (response) => {
              let text = "";
              response.on("data", (chunk) => (text += chunk));
              response.on("end", () =>
                resolve({
                  status: response.statusCode ?? 0,
                  connection: response.headers.connection,
                  reused: request.reusedSocket,
                  text,
                }),
              );
            },
          );
          request.on("error", reject);
          request.end(body);
        },
      );
    const tooLarge = await post(Buffer.alloc(12 * MiB, "x"));
    expect(tooLarge).toMatchObject({ status: 413, connection: "keep-alive", reused: false });
    expect(JSON.parse(tooLarge.text).error.code).toBe("PayloadTooLarge");
    const next = await post(Buffer.from("{}"));
    expect(next).toMatchObject({ status: 202, reused: true });
  });

  it("says Connection: close when it will not read a body that large", async () => {
    const { server } = await start();
    const port = Number(new URL(server.url).port);
    // The headers alone: the server answers without waiting for a body it will not read.
    const answer = await exchange(
      port,
      `POST /jobs/greet HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${DISCARD_LIMIT_BYTES + 1}\r\n\r\n`,
    );
    const [only, ...more] = answers(answer);
    expect(more).toEqual([]);
    expect(only?.status).toBe(413);
    expect(only?.head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(JSON.parse(only?.body ?? "").error.code).toBe("PayloadTooLarge");
  });
});

describe("pipelined requests followed by junk", () => {
  it("answers each good request with its own answer, then the junk with a 400", async () => {
    const { server } = await start();
    const port = Number(new URL(server.url).port);
    const stream = await exchange(port, `${sendGreet("{}")}${sendGreet('"hi"')}GARBAGE\r\n\r\n`);
    const [first, second, junk, ...more] = answers(stream);
    expect(more).toEqual([]);
    for (const good of [first, second]) {
      expect(good?.status).toBe(202);
      expect(JSON.parse(good?.body ?? "")).toEqual({ jobId: expect.any(String) });
    }
    expect(JSON.parse(first?.body ?? "").jobId).not.toBe(JSON.parse(second?.body ?? "").jobId);
    expect(junk?.status).toBe(400);
    expect(junk?.head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(JSON.parse(junk?.body ?? "").error.code).toBe("InvalidRequest");
  });
});

describe("a client that half-closes once its request is written", () => {
  it("gets the answer of every request it sent, on the HTTP API and on the wire endpoint", async () => {
    const { server } = await start();
    const port = Number(new URL(server.url).port);
    const send = JSON.stringify({ QueueUrl: "greet", MessageBody: "{}" });
    const wire = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.SendMessage\r\nContent-Length: ${Buffer.byteLength(send)}\r\n\r\n${send}`;
    const [job, ...rest] = answers(await exchange(port, sendGreet("{}"), true));
    expect(rest).toEqual([]);
    expect(job?.status).toBe(202);
    expect(JSON.parse(job?.body ?? "")).toEqual({ jobId: expect.any(String) });
    const [sent, second] = answers(await exchange(port, `${wire}${sendGreet('"hi"')}`, true));
    expect(sent?.status).toBe(200);
    expect(JSON.parse(sent?.body ?? "")).toMatchObject({ MessageId: expect.any(String) });
    expect(second?.status).toBe(202);
  });
});

describe("a client that leaves mid-request", () => {
  it("is not logged as a failure of the server, on the HTTP API and on the wire endpoint", async () => {
    const { dir, cleanup } = tempDir("offload-framing-");
    cleanups.push(cleanup);
    const engine = createEngine({ path: join(dir, "f.db"), clock: new TestClock() });
    cleanups.push(() => engine.close());
    const transport = await createEngineTransport(
      engine,
      JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
    );
    const log = recordingLogger();
    const app = createApi({
      backend: engineBackend(transport),
      wire: { sqs: engine.sqs, sns: engine.sns },
      logger: log.logger,
    });
    // Each request's arrival and end, to wait on instead of on time.
    let arrived = 0;
    let settled = 0;
    const events: Array<() => void> = [];
    const wake = () => {
      for (const resolve of events.splice(0)) resolve();
    };
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise<void>((resolve) => events.push(resolve));
    };
    const server = await listen(
      async (request, env) => {
        arrived++;
        wake();
        try {
          return await app.fetch(request, env);
        } finally {
          settled++;
          wake();
        }
      },
      { port: 0, host: "127.0.0.1" },
    );
    cleanups.push(() => closeServer(server));
    const { port } = server.address() as AddressInfo;

    const heads = [
      `POST /jobs/${JOB_NAMES[0]} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Length: 100\r\n\r\n{"a":`,
    ];
    for (const [index, head] of heads.entries()) {
      const socket = connect(port, "127.0.0.1", () => socket.write(head));
      socket.on("error", () => {});
      await until(() => arrived > index);
      socket.destroy();
      await until(() => settled > index);
    }
    expect(
      log.records.filter((record) => record.level === "error" || record.level === "warn"),
    ).toEqual([]);
  });
});
