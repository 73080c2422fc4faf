import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { serve } from "@hono/node-server";
import { TestClock } from "../../src/core/clock.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { createApi } from "../../src/http/index.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { engineBackend, JOB_NAMES, jobs } from "../http/support.js";
import { flushEvents } from "../support/engine.js";
import { sdkClients } from "../support/sdk-clients.js";
import { tempDir } from "../support/temp.js";

export interface WireStack {
  engine: Engine;
  clock: TestClock;
  /** `http://127.0.0.1:<port>`: the server, and the engine's queueUrlBase. */
  url: string;
  /** Real AWS SDK clients on `url`, dummy credentials, one attempt per call. */
  sqs: SQSClient;
  sns: SNSClient;
  /**
   * Wraps an API whose methods reach this stack over HTTP (an SDK-backed
   * SqsApi, SnsApi) so that `advance` waits for its calls to arrive.
   */
  track<T extends object>(api: T): T;
  /**
   * Moves the engine's clock and lets the follow-up work run. First waits
   * until every call in flight through a `track`ed API has reached the
   * engine (see {@link WireCalls}), so a long poll already sent is measured
   * on the clock being moved, as it is in-process.
   */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The calls in flight on both sides of the wire: those a client has made
 * (through `track`) and those the engine is serving (the wire endpoint's
 * `sqs` and `sns`). A request takes a few event-loop turns to cross loopback
 * HTTP, so right after `receiveMessage({ WaitTimeSeconds: 20 })` returns its
 * promise the engine may not have the request yet; moving the clock then
 * would leave the poll waiting 20 s on a clock that no longer moves. When
 * both counts are equal, every request made has reached the engine, and a
 * receive that long-polls has set its deadline on the engine's clock (the
 * engine does that synchronously on entry, which in-process tests rely on
 * too). Waiting is on the count changing, never on time. Each client call
 * makes exactly one engine call (the SDK clients make one attempt), and an
 * engine call ends before its response is sent, so the engine's count never
 * exceeds the clients'. Requests from untracked clients (the `sqs`/`sns`
 * clients above, raw `fetch`) must not be in flight during `advance`.
 */
export class WireCalls {
  #client = 0;
  #engine = 0;
  #waiters: Array<() => void> = [];

  /** `api` with each method call counted as a client call until its promise settles. */
  client<T extends object>(api: T): T {
    return this.#count(api, (delta) => {
      this.#client += delta;
    });
  }

  /** `api` with each method call counted as an engine call until its promise settles. */
  engine<T extends object>(api: T): T {
    return this.#count(api, (delta) => {
      this.#engine += delta;
    });
  }

  /** Resolves once every client call in flight has reached the engine. */
  arrived(): Promise<void> {
    if (this.#client === this.#engine) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #count<T extends object>(api: T, add: (delta: number) => void): T {
    return new Proxy(api, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          add(1);
          const settled = () => {
            add(-1);
            this.#changed();
          };
          let result: unknown;
          try {
            result = value.apply(target, args);
          } catch (error) {
            settled();
            throw error;
          }
          if (!(result instanceof Promise)) {
            settled();
            return result;
          }
          this.#changed();
          return result.finally(settled);
        };
      },
    });
  }

  #changed(): void {
    if (this.#client !== this.#engine) return;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
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
  const calls = new WireCalls();
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
      wire: { sqs: calls.engine(engine.sqs), sns: calls.engine(engine.sns) },
    });
    fetchApp = app.fetch;
  } catch (e) {
    await stopServer();
    await engine.close();
    cleanup();
    throw e;
  }
  const { sqs, sns, destroy } = sdkClients(url);
  return {
    engine,
    clock,
    url,
    sqs,
    sns,
    track: (api) => calls.client(api),
    async advance(ms) {
      await calls.arrived();
      clock.advance(ms);
      await flushEvents();
    },
    async close() {
      destroy();
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
