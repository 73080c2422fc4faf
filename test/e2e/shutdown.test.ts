import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { appFolder, type Server, startServer } from "./server.js";

let server: Server | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill("SIGKILL");
    await server.exited;
  }
  cleanup?.();
  server = undefined;
});

describe("offload start, stopped by a signal", () => {
  it("answers a request that arrives while it closes with Connection: close, then exits 0", async () => {
    const app = appFolder({ noop: "export default defineJob({ handler: async () => {} });" });
    cleanup = app.cleanup;
    server = await startServer(app.dir);
    const { hostname, port } = new URL(server.url);
    // A keep-alive client's connection, busy with a request whose headers are on their way:
    // closing the server does not end it (only idle connections end at once).
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("POST /jobs/noop HTTP/1.1\r\nHost: localhost\r\n");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    const ended = new Promise((resolve) => socket.once("end", resolve));
    server.child.kill("SIGTERM");
    await server.waitForLog((l) => l.msg === "shutting down: finishing running jobs");
    socket.write("Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    // The server tells the client to hang up, and ends the connection itself: a client posting
    // one request after another on it would otherwise hold the shutdown off for good.
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);
    expect(answer.toLowerCase()).toContain("\r\nconnection: close\r\n");
    expect(await server.exited).toBe(0);
  });
});
