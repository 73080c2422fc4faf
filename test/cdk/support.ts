import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { OffloadStack, type OffloadStackProps } from "../../src/cdk/index.js";
import { resolveJobOptions } from "../../src/core/job-options.js";
import type { ResolvedJobOptions } from "../../src/core/job-types.js";

const repo = resolve(import.meta.dirname, "../..");

/** Resolved options as `defineJob` would give them. */
export function jobOptions(options: Record<string, unknown> = {}): ResolvedJobOptions {
  return resolveJobOptions({ handler: async () => {}, ...options }).resolved;
}

/** Job a of the two-job app: every option away from its default. */
export const JOB_A_OPTIONS = {
  timeout: "30s",
  retryDelay: "5m",
  maxAttempts: 3,
  batchSize: 10,
  maxBatchingWindow: "5s",
  concurrency: 7,
  alarm: { messages: 3 },
} as const;

/**
 * A folder inside the repo (so `import ... from "offload"` resolves to the
 * package itself, as in an app), removed by `cleanup`.
 */
export function tempFolder(): { dir: string; cleanup: () => void } {
  const dir = join(repo, ".test-tmp", `cdk-${randomUUID()}`);
  mkdirSync(dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes job files `<name>.ts` importing `defineJob` from "offload"; returns their paths by name. */
export function writeJobs(dir: string, sources: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = {};
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(sources)) {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `import { defineJob } from "offload";\n${source}\n`);
    files[name] = file;
  }
  return files;
}

/** The two-job app's job files: `a` with {@link JOB_A_OPTIONS}, `b` with defaults; each logs its own marker. */
export function twoJobSources(): Record<string, string> {
  return {
    a: `export default defineJob({ ...${JSON.stringify(JOB_A_OPTIONS)}, handler: async (_p, ctx) => { ctx.logger.info("MARKER_JOB_A_ONLY"); } });`,
    b: `export default defineJob({ handler: async (_p, ctx) => { ctx.logger.info("MARKER_JOB_B_ONLY"); } });`,
  };
}

/** A stand-in function code folder for template tests (the construct only hashes it). */
export function codeFolder(dir: string): string {
  const code = join(dir, "code");
  mkdirSync(code, { recursive: true });
  writeFileSync(join(code, "index.mjs"), "export const handler = async () => ({});\n");
  return code;
}

/** The two-job stack for template assertions. */
export function twoJobStack(
  code: string,
  overrides: Partial<OffloadStackProps> = {},
): { app: App; stack: OffloadStack; template: Template } {
  const app = new App();
  const stack = new OffloadStack(app, "demo-dev", {
    jobs: [
      { name: "a", options: jobOptions(JOB_A_OPTIONS), code },
      { name: "b", options: jobOptions(), code },
    ],
    apiCode: code,
    alertEmail: "ops@example.com",
    api: { auth: "iam", corsOrigins: ["https://app.example.com"] },
    ...overrides,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${ids}`);
  return ids[0]!;
}
