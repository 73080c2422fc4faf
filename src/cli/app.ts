import { watch } from "node:fs";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { OffloadError, toError } from "../core/errors.js";
import type { JobDefinition } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import { createEngine, type Engine } from "../engine/index.js";
import { createApi } from "../http/api.js";
import type { ApiBackend } from "../http/backend.js";
import { createTransportBackend } from "../http/transport-backend.js";
import {
  createEngineTransport,
  type LoadedJob,
  loadJobs,
  type Runtime,
  startRuntime,
} from "../runtime/index.js";
import { isLoopback, type ResolvedConfig } from "./config.js";
import { staticPages } from "./pages.js";

export interface LocalApp {
  /** Where the app listens, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly engine: Engine;
  /** The runtime now (dev mode replaces it when job files change). */
  runtime(): Runtime;
  /** Stops receiving, lets running jobs finish, closes the server and the database. */
  stop(): Promise<void>;
}

/**
 * The whole local system in one process: the engine on the app's database,
 * the jobs folder provisioned as topic + queues + DLQs, the runtime running
 * the jobs, and the HTTP API (and pages) on one port. In dev mode, job files
 * are watched and the runtime restarts with the new code.
 */
export async function startLocalApp(
  config: ResolvedConfig,
  options: { watch: boolean; logger: Logger },
): Promise<LocalApp> {
  const { logger } = options;
  if (!isLoopback(config.host) && !config.apiKey) {
    throw new OffloadError(
      "ApiKeyRequired",
      `Refusing to listen on ${config.host} without an API key: set OFFLOAD_API_KEY (clients send it as "Authorization: Bearer <key>"), or listen on 127.0.0.1`,
    );
  }
  const jobs = await loadJobs(config.jobsDir);
  if (jobs.length === 0)
    logger.warn({ jobsDir: config.jobsDir }, "the jobs folder has no job files");
  const engine = createEngine({
    path: config.database,
    durability: config.durability,
    queueUrlBase: `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}`,
  });
  let current: { jobs: LoadedJob[]; runtime: Runtime; backend: ApiBackend };
  try {
    current = await run(engine, jobs, config, logger);
  } catch (e) {
    await engine.close();
    throw e;
  }
  const backend: ApiBackend = {
    jobNames: () => current.backend.jobNames(),
    send: (...args) => current.backend.send(...args),
    queues: () => current.backend.queues(),
    queue: (jobName) => current.backend.queue(jobName),
    dlqList: (...args) => current.backend.dlqList(...args),
    redrive: (...args) => current.backend.redrive(...args),
    purge: (jobName) => current.backend.purge(jobName),
  };
  const pages = config.pagesDir ? staticPages(config.pagesDir) : undefined;
  const api = createApi({
    backend,
    bodyLimitBytes: config.bodyLimit,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    corsOrigins: config.corsOrigins,
    ...(pages ? { pages: (c) => pages(c.req.raw) } : {}),
    wire: { sqs: engine.sqs, sns: engine.sns },
  });
  let server: ServerType;
  try {
    server = await listen(api.fetch, config);
  } catch (e) {
    await current.runtime.stop();
    await engine.close();
    throw e;
  }
  // Watching starts before the app says it is listening, so no change after that is missed.
  const watcher = options.watch
    ? watchJobs(config, logger, async () => {
        const fresh = await loadJobs(config.jobsDir, { fresh: true });
        await current.runtime.stop();
        current = await run(engine, fresh, config, logger);
        logger.info({ jobs: fresh.map((j) => j.name) }, "job files changed: runtime restarted");
      })
    : undefined;

  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  logger.info(
    {
      url,
      jobs: jobs.map((j) => j.name),
      database: config.database,
      durability: config.durability,
    },
    `offload is listening on ${url}`,
  );

  let stopping: Promise<void> | undefined;
  return {
    url,
    engine,
    runtime: () => current.runtime,
    stop() {
      stopping ??= (async () => {
        watcher?.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await current.runtime.stop();
        await engine.close();
      })();
      return stopping;
    },
  };
}

async function run(engine: Engine, jobs: LoadedJob[], config: ResolvedConfig, logger: Logger) {
  const transport = await createEngineTransport(engine, jobs);
  const runtime = await startRuntime({
    jobs,
    transport,
    logger,
    ...(config.alertWebhook ? { alertWebhook: config.alertWebhook } : {}),
  });
  const definitions: Record<string, JobDefinition> = Object.fromEntries(
    jobs.map((j) => [j.name, j.definition]),
  );
  return {
    jobs,
    runtime,
    backend: createTransportBackend({ jobs: definitions, transport, run: runtime }),
  };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  config: ResolvedConfig,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: config.port, hostname: config.host }, () =>
      resolve(server),
    );
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new OffloadError(
              "PortInUse",
              `Port ${config.port} on ${config.host} is in use: stop the other process, or set OFFLOAD_PORT`,
            )
          : new OffloadError(
              "ListenFailed",
              `Cannot listen on ${config.host}:${config.port}: ${error.message}`,
              { cause: error },
            ),
      );
    });
  });
}

/** Watches the jobs folder; `reload` runs after changes settle, one reload at a time. */
function watchJobs(
  config: ResolvedConfig,
  logger: Logger,
  reload: () => Promise<void>,
): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const watcher = watch(config.jobsDir, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(reload).catch((e: unknown) => {
        logger.error(
          { error: toError(e).message },
          "job files changed but could not be loaded; still running the previous version",
        );
      });
    }, 200);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
