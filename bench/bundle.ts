/**
 * The size of a job's Lambda bundle, as `offload synth` builds it: minified,
 * the AWS SDK left to the Lambda runtime. Target (DESIGN.md): ≤ 25 KB. Three
 * jobs that differ only in their schema library (none, zod/mini, zod), and
 * the demo app's jobs.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { bundleFunctions } from "../src/cdk/bundle.js";

const repo = resolve(import.meta.dirname, "..");
const TARGET_BYTES = 25_000;

const variants: Record<string, string> = {
  "no-schema": `import { defineJob } from "offload";
export default defineJob({
  handler: async (payload: { friendName: string }, ctx) => { ctx.logger.info({ friendName: payload.friendName }, "hello"); },
});`,
  "zod-mini": `import { defineJob } from "offload";
import * as z from "zod/mini";
export default defineJob({
  schema: z.object({ friendName: z.string().check(z.minLength(1)), shouldFail: z.optional(z.boolean()) }),
  handler: async (payload, ctx) => { ctx.logger.info({ friendName: payload.friendName }, "hello"); },
});`,
  zod: `import { defineJob } from "offload";
import { z } from "zod";
export default defineJob({
  schema: z.object({ friendName: z.string().min(1), shouldFail: z.boolean().optional() }),
  handler: async (payload, ctx) => { ctx.logger.info({ friendName: payload.friendName }, "hello"); },
});`,
};

async function main() {
  const work = join(repo, ".test-tmp", `bench-bundle-${process.pid}`);
  mkdirSync(join(work, "jobs"), { recursive: true });
  try {
    for (const [name, source] of Object.entries(variants))
      writeFileSync(join(work, "jobs", `${name}.ts`), `${source}\n`);
    const demo = ["greeting", "place-order", "resize-image", "send-welcome-email"];
    const bundles = await bundleFunctions({
      jobs: [
        ...Object.keys(variants).map((name) => ({ name, file: join(work, "jobs", `${name}.ts`) })),
        ...demo.map((name) => ({
          name: `examples-${name}`,
          file: join(repo, "examples/jobs", `${name}.ts`),
        })),
      ],
      outdir: join(work, "bundles"),
    });
    const rows = [...bundles.jobs].map(([job, bundle]) => ({
      job,
      bytes: bundle.bytes,
      ratioToTarget: Number((bundle.bytes / TARGET_BYTES).toFixed(2)),
      met: bundle.bytes <= TARGET_BYTES,
    }));
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown" },
      targetBytes: TARGET_BYTES,
      jobs: rows,
      apiBytes: bundles.api.bytes,
    };
    mkdirSync(join(repo, "bench/results"), { recursive: true });
    writeFileSync(join(repo, "bench/results/bundle.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nLambda bundles (minified, AWS SDK excluded) — target ≤ ${TARGET_BYTES} bytes`);
    for (const r of rows) {
      console.log(
        `${r.job.padEnd(30)} ${String(r.bytes).padStart(8)} B  ${r.ratioToTarget.toFixed(2)} × target  ${r.met ? "met" : "NOT MET"}`,
      );
    }
    console.log(
      `${"API (every job + Hono)".padEnd(30)} ${String(bundles.api.bytes).padStart(8)} B`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
