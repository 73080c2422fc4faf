import type { AddressInfo } from "node:net";
import { createApi } from "../http/api.js";
import { ApiError, toErrorAnswer } from "../http/errors.js";
import { loopbackHosts } from "../http/guard.js";
import { protectAppResources } from "../http/wire/app-resources.js";
import { dlqNameOf, JOBS_TOPIC_NAME } from "../runtime/index.js";
import { type EngineThread, startEngineThread } from "./engine-thread/client.js";
import { closeServer, type Fetch, listen } from "./listener.js";
import { resolveServerOptions, type ServerOptions } from "./options.js";
import { staticPages } from "./pages.js";

/** A running server, from {@link startServer}. */
export interface OffloadServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000` (with port 0, the port the OS chose). */
  readonly url: string;
  /** The app's job names, sorted (as the jobs folder has them now, in watch mode). */
  jobNames(): string[];
  /**
   * Settles (never rejects) if the engine thread stops without being asked to, with why:
   * the server cannot go on, and should be stopped.
   */
  readonly failed: Promise<Error>;
  /**
   * Stops taking requests, lets running jobs finish, closes the database and the engine
   * thread. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * The whole local system in one process, on two threads. It takes its port
 * first, then starts the engine thread (see engine-thread/host.ts), which
 * holds the app's database, provisions the jobs folder as topic + queues +
 * DLQs and runs the jobs; in watch mode it watches the job files and restarts
 * the runtime with the new code. The main thread serves the HTTP API (and
 * pages) on that port, and hands every queue operation to the engine thread:
 * parsing requests and writing the database run side by side, on two cores.
 */
export function startServer(options: ServerOptions): Promise<OffloadServer> {
  return start(options, undefined);
}

/** A server whose engine and runtime run on a TestClock that only its `advanceClock` moves. */
export interface TestClockServer extends OffloadServer {
  /** Moves the app's clock by `ms`, firing what falls due (retries, delays, alarms). */
  advanceClock(ms: number): Promise<void>;
}

/**
 * {@link startServer} on a TestClock starting at `startMs`, for tests that follow jobs through
 * retry delays without waiting for them. Not exported by the package; no request reaches it.
 */
export function startServerOnTestClock(
  options: ServerOptions,
  startMs: number,
): Promise<TestClockServer> {
  return start(options, startMs) as Promise<TestClockServer>;
}

async function start(
  options: ServerOptions,
  testClockStartMs: number | undefined,
): Promise<OffloadServer | TestClockServer> {
  const config = resolveServerOptions(options);
  const { logger } = config;
  // The port is taken first, so a clash fails before any job runs, and queue URLs carry the
  // port the server really has (with port 0, the one the OS chose). Requests that arrive while
  // the jobs load wait for them.
  let handle: Fetch = async (request, env) =>
    (await ready) ? handle(request, env) : failedToStart();
  let started: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    started = resolve;
  });
  const server = await listen((request, env) => handle(request, env), config);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  let engine: EngineThread | undefined;
  let api: ReturnType<typeof createApi>;
  try {
    engine = await startEngineThread(
      {
        jobsDir: config.jobsDir,
        database: config.database,
        durability: config.durability,
        jobHistory: config.jobHistory,
        queueUrlBase: `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`,
        alertWebhook: config.alertWebhook,
        watch: config.watch,
        workerMemoryMb: config.workerMemoryMb,
        testClockStartMs,
      },
      logger,
    );
    const pages = config.pagesDir === undefined ? undefined : staticPages(config.pagesDir);
    const backend = engine.backend;
    const { jobQueueNames } = engine;
    api = createApi({
      backend,
      bodyLimitBytes: config.bodyLimitBytes,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      corsOrigins: [...config.corsOrigins],
      ...(pages ? { pages: (c) => pages(c.req.raw) } : {}),
      wire: {
        ...protectAppResources(
          { sqs: engine.sqs, sns: engine.sns },
          {
            // The queues of job files gone too: they may hold jobs answered 202 before.
            queueNames: () =>
              new Set(
                [...backend.jobNames(), ...jobQueueNames()].flatMap((name) => [
                  name,
                  dlqNameOf(name),
                ]),
              ),
            topicName: JOBS_TOPIC_NAME,
          },
        ),
        // The message actions, which no guard above covers, answered in the engine thread.
        sqsJson: engine.sqsJson,
      },
      logger,
      // Without a key the app listens on loopback; only loopback names may address it.
      ...(config.apiKey ? {} : { allowedHosts: loopbackHosts(config.host) }),
    });
  } catch (e) {
    started(false);
    await engine?.stop();
    await closeServer(server);
    throw e;
  }
  const running = engine;
  handle = api.fetch;
  started(true);

  logger.info(
    {
      url,
      jobs: running.backend.jobNames(),
      database: config.database,
      durability: config.durability,
    },
    `offload is listening on ${url}`,
  );

  let stopping: Promise<void> | undefined;
  return {
    ...(testClockStartMs === undefined ? {} : { advanceClock: running.advanceClock }),
    url,
    jobNames: () => running.backend.jobNames(),
    failed: running.failed,
    stop() {
      stopping ??= (async () => {
        await closeServer(server);
        await running.stop();
      })();
      return stopping;
    },
  };
}

/** The answer to a request that came while the app was starting and it failed to start. */
function failedToStart(): Response {
  const { status, body } = toErrorAnswer(
    new ApiError("Unavailable", "offload failed to start; see its log"),
  );
  return Response.json(body, { status });
}
