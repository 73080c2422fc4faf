import { join } from "node:path";
import { type OffloadServer, type ServerOptions, startServer } from "../../src/server/index.js";
import { jobsFolder } from "./app.js";
import { recordingLogger } from "./recording-logger.js";
import { tempDir } from "./temp.js";

/**
 * The local server in this process on an ephemeral loopback port, with a jobs
 * folder and a database of its own; `cleanups` gets what stops and removes them.
 * `options` adds server options (an API key, say).
 */
export async function startTestServer(
  jobs: Record<string, string>,
  cleanups: Array<() => void | Promise<void>>,
  options: Partial<ServerOptions> = {},
): Promise<{ server: OffloadServer; log: ReturnType<typeof recordingLogger> }> {
  const folder = jobsFolder(jobs);
  cleanups.push(folder.cleanup);
  const data = tempDir();
  cleanups.push(data.cleanup);
  const log = recordingLogger();
  const server = await startServer({
    jobsDir: folder.dir,
    database: join(data.dir, "app.db"),
    port: 0,
    logger: log.logger,
    ...options,
  });
  cleanups.push(() => server.stop());
  return { server, log };
}
