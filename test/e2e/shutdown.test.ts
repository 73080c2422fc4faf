import { Agent, request } from "node:http";
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
  it("exits 0 while keep-alive clients keep posting, ending each connection after its answer", async () => {
    const app = appFolder({ noop: "export default defineJob({ handler: async () => {} });" });
    cleanup = app.cleanup;
    server = await startServer(app.dir);
    const { hostname, port } = new URL(server.url);
    // Node's own keep-alive agent: each client sends its next request on the same connection
    // as soon as the answer comes, so a connection is never idle for the server to close.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    let answered = 0;
    let refused = 0;
    let toldToHangUp = 0;
    const post = () =>
      new Promise<void>((resolve) => {
        const sent = request(
          { host: hostname, port, method: "POST", path: "/jobs/noop", agent },
          (response) => {
            if (response.headers.connection === "close") toldToHangUp++;
            response.resume();
            response.on("end", () => {
              answered++;
              resolve();
            });
          },
        );
        sent.setHeader("content-type", "application/json");
        // Once the server has closed, a new connection is refused: that client stops.
        sent.on("error", () => {
          refused++;
          resolve();
        });
        sent.end("{}");
      });
    const clients = Array.from({ length: 2 }, async () => {
      while (refused === 0) await post();
    });
    while (answered < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    server.child.kill("SIGTERM");
    // Without ending busy connections, the server waited for clients that never hang up.
    expect(await server.exited).toBe(0);
    await Promise.all(clients);
    // The server ended the busy connections itself, by answering with Connection: close.
    expect(toldToHangUp).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    agent.destroy();
  });
});
