import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { serve } from "@hono/node-server";
import { TestClock } from "../../src/core/clock.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { createApi } from "../../src/http/index.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { engineBackend, JOB_NAMES, jobs } from "../http/support.js";
import { flushEvents } from "../support/engine.js";
import { tempDir } from "../support/temp.js";

export interface WireStack {
  engine: Engine;
  clock: TestClock;
  /** `http://127.0.0.1:<port>`: the server, and the engine's queueUrlBase. */
  url: string;
  /** Real AWS SDK clients on `url`, dummy credentials, one attempt per call. */
  sqs: SQSClient;
  sns: SNSClient;
  /** Moves the engine's clock and lets the follow-up work run. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The local server as `offload dev` builds it: a real engine on a temp
 * SQLite file whose queue URLs point at the server, and `createApi` with the
 * HTTP API and the wire endpoint, on an ephemeral loopback port.
 */
export async function startWireStack(): Promise<WireStack> {
  const { dir, cleanup } = tempDir("offload-wire-");
  const clock = new TestClock();
  // The port is known only once listening, and the engine's queue URLs need it.
  let fetchApp: ((request: Request) => Response | Promise<Response>) | undefined;
  const server = serve({
    fetch: (request) => fetchApp?.(request) ?? new Response("starting", { status: 503 }),
    port: 0,
    hostname: "127.0.0.1",
  }) as Server;
  if (!server.listening) await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const engine = createEngine({
    path: join(dir, "offload.db"),
    clock,
    durability: "relaxed",
    queueUrlBase: url,
  });
  const stopServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  try {
    const transport = await createEngineTransport(
      engine,
      JOB_NAMES.map((name) => ({ name, definition: jobs[name] })),
    );
    const app = createApi({
      backend: engineBackend(transport),
      wire: { sqs: engine.sqs, sns: engine.sns },
    });
    fetchApp = app.fetch;
  } catch (e) {
    await stopServer();
    await engine.close();
    cleanup();
    throw e;
  }
  const config = {
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  return {
    engine,
    clock,
    url,
    sqs,
    sns,
    async advance(ms) {
      clock.advance(ms);
      await flushEvents();
    },
    async close() {
      sqs.destroy();
      sns.destroy();
      await stopServer();
      await engine.close();
      cleanup();
    },
  };
}

/** A form post as the query protocol sends it. */
export function postForm(url: string, params: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams(params).toString(),
  });
}

/** The text of the first `<name>` element of an XML document, unescaped. */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]
    ?.replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#xD;/g, "\r")
    .replace(/&amp;/g, "&");
}
