import { readdirSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { type Clock, systemClock } from "../core/clock.js";
import { isJobDefinition } from "../core/define-job.js";
import { describeImportError, OffloadError, toError } from "../core/errors.js";
import type { JobDefinition } from "../core/job-types.js";
import { LAMBDA_INIT_LIMIT_MS } from "../lambda/failures.js";
import { importUserModule } from "./user-module.js";

/** A job found in the jobs folder. */
export interface LoadedJob {
  /** The file name without extension: the job's name. */
  readonly name: string;
  /** Absolute path of the job file (workers load it again). */
  readonly file: string;
  readonly definition: JobDefinition;
}

const JOB_NAME = /^[a-z0-9][a-z0-9-_]{0,62}$/;
const EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);

/**
 * Discovers the jobs in `dir`: every `.ts`, `.mts`, `.js` or `.mjs` file, in
 * sorted order, named by its file name and default-exporting `defineJob(...)`.
 * Declaration files, tests (`*.test.*`, `*.spec.*`) and files starting with
 * `_` or `.` are skipped. Every problem is one clear error naming the file.
 */
export async function loadJobs(dir: string, options: ImportOptions = {}): Promise<LoadedJob[]> {
  const root = resolve(dir);
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (e) {
    throw new OffloadError(
      "JobsFolderMissing",
      `Cannot read the jobs folder ${root}: ${toError(e).message}`,
      { cause: e },
    );
  }
  const files = entries
    .filter(
      (f) =>
        EXTENSIONS.has(extname(f)) && !f.endsWith(".d.ts") && !/\.(test|spec)\.[mc]?[jt]s$/.test(f),
    )
    .filter((f) => !f.startsWith("_") && !f.startsWith("."))
    .filter((f) => statSync(join(root, f)).isFile())
    .sort();
  // Names first, so a bad or duplicate name is reported before any file runs.
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = join(root, f);
    const name = basename(f, extname(f));
    if (!JOB_NAME.test(name)) {
      throw new OffloadError(
        "InvalidJobName",
        `${file}: the job name ${JSON.stringify(name)} (the file name) must be 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or digit`,
      );
    }
    const other = seen.get(name);
    if (other) {
      throw new OffloadError(
        "DuplicateJobName",
        `${file}: job ${JSON.stringify(name)} is already defined by ${other}`,
      );
    }
    seen.set(name, file);
  }
  const jobs: LoadedJob[] = [];
  for (const [name, file] of seen)
    jobs.push({ name, file, definition: await importJob(file, options) });
  return jobs;
}

export interface ImportOptions {
  /** Bypass the module cache (dev mode reloads changed files). */
  fresh?: boolean;
  /**
   * A job file whose module code has not finished by then fails to load: a top-level await
   * that never settles must not hold the app's start, or every later reload, for good. Its
   * code cannot be stopped; it is left behind. @defaultValue 10000 (Lambda's limit on a
   * function's init, which runs the same module code)
   */
  timeoutMs?: number;
  clock?: Clock;
}

let generation = 0;

/** Imports a job file and checks that it default-exports a job definition. */
export async function importJob(file: string, options: ImportOptions = {}): Promise<JobDefinition> {
  const { clock = systemClock, timeoutMs = LAMBDA_INIT_LIMIT_MS } = options;
  let mod: { default?: unknown };
  let timer: ReturnType<Clock["setTimer"]> | undefined;
  try {
    mod = await Promise.race([
      importUserModule(file, options.fresh ? `v=${++generation}` : undefined),
      new Promise<never>((_, reject) => {
        timer = clock.setTimer(
          () =>
            reject(
              new OffloadError(
                "JobLoadTimeout",
                `${file}: its module code did not finish within ${timeoutMs / 1000} s (a top-level await that never settles?); Lambda stops a function's init at 10 s too`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (e) {
    if (e instanceof OffloadError && e.code === "JobLoadTimeout") throw e;
    throw new OffloadError("JobLoadFailed", `${file}: failed to load: ${describeImportError(e)}`, {
      cause: e,
    });
  } finally {
    if (timer) clock.clearTimer(timer);
  }
  if (!isJobDefinition(mod.default)) {
    throw new OffloadError(
      "NotAJob",
      `${file}: a job file must \`export default defineJob({...})\`; its default export is ${describe(mod.default)}`,
    );
  }
  return mod.default;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return "an object that is not a defineJob() result";
  return `a ${typeof value}`;
}
