import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import {
  answerClientError,
  closeServer,
  listen,
  SERVER_TIMEOUTS,
} from "../../src/server/listener.js";

let server: Server | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

const config = { port: 0, host: "127.0.0.1" };

async function start(): Promise<number> {
  server = (await listen(() => new Response("ok"), config)) as Server;
  return (server.address() as AddressInfo).port;
}

/** Sends raw bytes, resolves with everything the server answered before closing. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(bytes));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

function parse(answer: string) {
  const [head, body] = answer.split("\r\n\r\n");
  return { statusLine: head?.split("\r\n")[0], head, body: JSON.parse(body ?? "") };
}

describe("the local server", () => {
  it("limits how long headers and a whole request may take, instead of Node's five minutes", async () => {
    await start();
    expect(server?.headersTimeout).toBe(SERVER_TIMEOUTS.headersTimeout);
    expect(server?.requestTimeout).toBe(SERVER_TIMEOUTS.requestTimeout);
    expect(SERVER_TIMEOUTS.requestTimeout).toBeLessThan(300_000);
  });

  it("answers requests Node's parser refuses with a JSON error, as every other error", async () => {
    const port = await start();
    const huge = parse(
      await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
    );
    expect(huge.statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(huge.head).toContain("Content-Type: application/json");
    expect(huge.body).toEqual({
      error: {
        code: "HeadersTooLarge",
        message: "The request's headers are larger than the server takes (16 KiB)",
      },
    });
    const garbage = parse(await raw(port, "HELLO THERE\r\n\r\n"));
    expect(garbage.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(garbage.body.error.code).toBe("InvalidRequest");
    expect(garbage.body.error.message).toMatch(/^The request is not valid HTTP\/1\.1: \S/);
  });

  it("answers an Expect it cannot meet 417 with a JSON error, and 100-continue as usual", async () => {
    const port = await start();
    const answer = parse(
      await raw(
        port,
        "POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n",
      ),
    );
    expect(answer.statusLine).toBe("HTTP/1.1 417 Expectation Failed");
    expect(answer.head).toContain("Content-Type: application/json");
    expect(answer.body).toEqual({
      error: {
        code: "ExpectationFailed",
        message:
          'The server cannot meet the request\'s Expect: "200-ok"; it takes only "100-continue", or no Expect header',
      },
    });
    const continued = await raw(
      port,
      "POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    expect(continued).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it("answers a request that timed out 408, naming the limit", async () => {
    const socket = new PassThrough();
    let written = "";
    socket.on("data", (chunk) => (written += chunk));
    const ended = new Promise((resolve) => socket.on("finish", resolve));
    answerClientError(
      Object.assign(new Error("timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }),
      socket,
    );
    await ended;
    const answer = parse(written);
    expect(answer.statusLine).toBe("HTTP/1.1 408 Request Timeout");
    expect(answer.body).toEqual({
      error: {
        code: "RequestTimeout",
        message: "The request did not arrive in full within 30 seconds",
      },
    });
  });

  it("says which port is taken", async () => {
    const port = await start();
    await expect(listen(() => new Response(), { ...config, port })).rejects.toMatchObject({
      code: "PortInUse",
      message: `Port ${port} on 127.0.0.1 is in use: stop the other process, or choose another port`,
    });
  });
});
