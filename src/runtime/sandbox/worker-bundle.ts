import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toError } from "../../core/errors.js";
import { ESM_REQUIRE_SHIM } from "../../core/esm-require-shim.js";
import type { Logger } from "../../core/logger.js";
import { packageModule } from "../../core/module-file.js";

/** Worker folders are named for the process that made them: `offload-workers-<pid>-<random>`. */
const FOLDER_PREFIX = "offload-workers-";
const FOLDER_PATTERN = /^offload-workers-(\d+)-/;

/**
 * Removes the worker folders of processes that are gone (killed, so their `dispose` never
 * ran). A folder whose process id now belongs to another live process is left.
 */
export function removeOrphans(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = FOLDER_PATTERN.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, another user's.
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

const entry = fileURLToPath(packageModule("./worker-entry", import.meta.url));

/** The worker files of a runtime's jobs, in a temporary folder removed by `dispose`. */
export interface WorkerBundles {
  /** The bundle a job's workers start from; undefined when it could not be built. */
  file(jobName: string): string | undefined;
  dispose(): void;
}

/**
 * Bundles, per job, the worker entry and the job file (with everything it
 * imports) into one ES module, as the Lambda build does. A worker started
 * from it needs no TypeScript loader: it starts in about a fifth of the CPU
 * time, which matters when a burst of jobs grows the worker pool.
 *
 * A job that cannot be bundled (a native addon, say) is logged and left to
 * the TypeScript loader: it still runs, only its workers start slower.
 */
export async function bundleWorkers(
  jobs: ReadonlyArray<{ name: string; file: string }>,
  logger: Logger,
): Promise<WorkerBundles> {
  removeOrphans(tmpdir());
  const directory = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  const files = new Map<string, string>();
  try {
    const { build } = await import("esbuild");
    await Promise.all(
      jobs.map(async (job) => {
        const outfile = join(directory, `${job.name}.bundle.mjs`);
        try {
          await build({
            stdin: {
              contents: [
                `import { workerData } from "node:worker_threads";`,
                `import { serveJob } from ${JSON.stringify(entry)};`,
                `await serveJob(workerData, () => import(${JSON.stringify(job.file)}));`,
              ].join("\n"),
              resolveDir: directory,
              sourcefile: `offload-worker-${job.name}.ts`,
              loader: "ts",
            },
            outfile,
            bundle: true,
            platform: "node",
            target: `node${process.versions.node.split(".")[0]}`,
            format: "esm",
            mainFields: ["module", "main"],
            banner: { js: ESM_REQUIRE_SHIM },
            // Stack traces of job errors point at the TypeScript source.
            sourcemap: "linked",
            logLevel: "silent",
          });
          // Node reads a module's source map when it loads the module, and only if source maps
          // are on by then: a small first module turns them on, then loads the bundle.
          const start = join(directory, `${job.name}.mjs`);
          writeFileSync(
            start,
            `process.setSourceMapsEnabled(true);\nawait import(${JSON.stringify(`./${job.name}.bundle.mjs`)});\n`,
          );
          files.set(job.name, start);
        } catch (e) {
          logger.warn(
            { jobName: job.name, file: job.file, reason: bundleError(e) },
            "the job could not be bundled; its workers load it through the TypeScript loader (slower to start)",
          );
        }
      }),
    );
  } catch (e) {
    logger.warn(
      { reason: toError(e).message },
      "esbuild is not available; job workers load through the TypeScript loader (slower to start)",
    );
  }
  return {
    file: (jobName) => files.get(jobName),
    dispose: () => rmSync(directory, { recursive: true, force: true }),
  };
}

function bundleError(e: unknown): string {
  const errors = (e as { errors?: Array<{ text: string; location?: { file: string } | null }> })
    .errors;
  return errors?.length
    ? errors.map((err) => `${err.location?.file ?? ""}: ${err.text}`).join("; ")
    : toError(e).message;
}
