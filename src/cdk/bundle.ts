import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { OffloadError, toError } from "../core/errors.js";
import { ESM_REQUIRE_SHIM } from "../core/esm-require-shim.js";
import { packageModule } from "../core/module-file.js";

/** A job to bundle: its name and the file that default-exports its `defineJob(...)`. */
export interface BundleJob {
  readonly name: string;
  readonly file: string;
  /** Container jobs get no bundle (no Lambda). @defaultValue "lambda" */
  readonly runtime?: "lambda" | "container";
}

export interface BundleOptions {
  /** The app's jobs: one bundle per Lambda job; the API bundle holds them all. */
  readonly jobs: ReadonlyArray<BundleJob>;
  /** Where the bundles are written: `<outdir>/jobs/<job>/index.mjs` and `<outdir>/_api/index.mjs`. */
  readonly outdir: string;
  /** The module exporting `createJobFunction`. @defaultValue offload's `src/aws/job-function.ts` */
  readonly jobFunctionModule?: string;
  /** The module exporting `createApiFunction`. @defaultValue offload's `src/aws/api-function.ts` */
  readonly apiFunctionModule?: string;
}

/** One function's bundle. */
export interface FunctionBundle {
  /** The directory to deploy (`lambda.Code.fromAsset`): it holds `index.mjs` exporting `handler`. */
  readonly directory: string;
  /** Size of the minified `index.mjs`, in bytes. */
  readonly bytes: number;
}

export interface Bundles {
  /** Each Lambda job's bundle, by job name. */
  readonly jobs: ReadonlyMap<string, FunctionBundle>;
  readonly api: FunctionBundle;
}

/** The functions' entry modules: TypeScript when offload runs from its sources (its tests). */
const JOB_FUNCTION_MODULE = fileURLToPath(packageModule("../aws/job-function", import.meta.url));
const API_FUNCTION_MODULE = fileURLToPath(packageModule("../aws/api-function", import.meta.url));

/** The API's bundle directory name; job names cannot clash with it in a folder of their own. */
const API_DIRECTORY = "_api";

/** Where a bundle is written: `<outdir>/jobs/<job>` or `<outdir>/_api`. */
export function bundleDirectory(outdir: string, jobName: string | undefined): string {
  return jobName === undefined ? join(outdir, API_DIRECTORY) : join(outdir, "jobs", jobName);
}

/**
 * Bundles each Lambda job, and the API, with esbuild (offline, the JS API).
 *
 * A job's entry imports only its own job file and `createJobFunction`, so its
 * bundle holds no other job's code. The API's entry imports every job file
 * (it validates every job's payload) and `createApiFunction`. Output is ESM
 * (`index.mjs`, handler `index.handler`): Lambda's Node.js runtimes load
 * `.mjs` as ES modules, and a `require` shim keeps CommonJS dependencies that
 * call `require("node:...")` working. `@aws-sdk/*` is left out: Lambda's
 * Node.js runtime provides SDK v3.
 *
 * @throws OffloadError `BundleFailed` naming the function and esbuild's errors.
 * @example
 * const bundles = await bundleFunctions({ jobs: [{ name: "greeting", file: "jobs/greeting.ts" }], outdir: "cdk.out/bundles" });
 * bundles.jobs.get("greeting")?.bytes; // e.g. 14000
 */
export async function bundleFunctions(options: BundleOptions): Promise<Bundles> {
  const outdir = resolve(options.outdir);
  const jobModule = options.jobFunctionModule ?? JOB_FUNCTION_MODULE;
  const apiModule = options.apiFunctionModule ?? API_FUNCTION_MODULE;
  const lambdaJobs = options.jobs.filter((j) => (j.runtime ?? "lambda") === "lambda");

  const jobBundles = lambdaJobs.map(async (job) => {
    const file = resolve(job.file);
    const contents = [
      `import job from ${JSON.stringify(file)};`,
      `import { createJobFunction } from ${JSON.stringify(resolve(jobModule))};`,
      "export const handler = createJobFunction(job);",
    ].join("\n");
    const directory = bundleDirectory(outdir, job.name);
    const bundle = await bundleEntry(`job ${job.name}`, contents, dirname(file), directory);
    return [job.name, bundle] as const;
  });

  const imports = options.jobs.map(
    (job, i) => `import job${i} from ${JSON.stringify(resolve(job.file))};`,
  );
  const jobsObject = options.jobs.map((job, i) => `${JSON.stringify(job.name)}: job${i}`);
  const apiContents = [
    ...imports,
    `import { createApiFunction } from ${JSON.stringify(resolve(apiModule))};`,
    `export const handler = createApiFunction({ jobs: { ${jobsObject.join(", ")} } });`,
  ].join("\n");
  const apiBundle = bundleEntry("the API", apiContents, outdir, bundleDirectory(outdir, undefined));

  const [jobs, api] = await Promise.all([Promise.all(jobBundles), apiBundle]);
  return { jobs: new Map(jobs), api };
}

async function bundleEntry(
  what: string,
  contents: string,
  resolveDir: string,
  directory: string,
): Promise<FunctionBundle> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const outfile = join(directory, "index.mjs");
  await bundleForNode(what, {
    contents,
    resolveDir,
    sourcefile: "offload-entry.ts",
    outfile,
    external: ["@aws-sdk/*"],
  });
  return { directory, bytes: statSync(outfile).size };
}

/**
 * Bundles one entry into one minified ES module for Node.js 22 (a Lambda function, a container
 * image): `external` names what the bundle leaves to its runtime.
 *
 * @throws OffloadError BundleFailed, naming `what` and each of esbuild's errors.
 */
export async function bundleForNode(
  what: string,
  entry: {
    contents: string;
    resolveDir: string;
    sourcefile: string;
    outfile: string;
    external: string[];
    /** Write a source map beside the bundle (`<outfile>.map`). @defaultValue false */
    sourcemap?: boolean;
  },
): Promise<void> {
  try {
    await build({
      stdin: {
        contents: entry.contents,
        resolveDir: entry.resolveDir,
        sourcefile: entry.sourcefile,
        loader: "ts",
      },
      outfile: entry.outfile,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "esm",
      // ESM builds of dependencies first: they tree-shake.
      mainFields: ["module", "main"],
      minify: true,
      legalComments: "none",
      external: entry.external,
      sourcemap: entry.sourcemap === true,
      banner: { js: ESM_REQUIRE_SHIM },
      logLevel: "silent",
    });
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string } }> }).errors;
    const detail = errors?.length
      ? errors.map((err) => `${err.location?.file ?? ""}: ${err.text}`).join("\n")
      : toError(e).message;
    throw new OffloadError("BundleFailed", `Bundling ${what} failed:\n${detail}`, { cause: e });
  }
}
