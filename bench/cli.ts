/**
 * The `offload` command's start-up as a user meets it: the packed package
 * installed into a new app (only offload and zod), then `offload --help` and
 * `offload send` (to a running app) timed wall-clock, interleaved, 15 rounds.
 * Also the install's size on disk. Target (issue #25): `--help` ≤ 300 ms, and
 * no AWS or CDK package in the install. Packs the dist/ that `npm run build`
 * made.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const repo = resolve(import.meta.dirname, "..");
const ROUNDS = 15;
const TARGET_HELP_MS = 300;

function sh(command: string, cwd: string): string {
  return execFileSync("sh", ["-c", command], { cwd, encoding: "utf8" });
}

function timed(args: string[], cwd: string): number {
  const start = performance.now();
  execFileSync(process.execPath, [join(cwd, "node_modules/offload/bin/offload.mjs"), ...args], {
    cwd,
    stdio: "ignore",
    env: { ...process.env, OFFLOAD_PORT: "3917" },
  });
  return performance.now() - start;
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, p90 ${at(0.9).toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)})`;
}

async function main() {
  const root = join(tmpdir(), `offload-bench-cli-${process.pid}`);
  const app = join(root, "app");
  mkdirSync(app, { recursive: true });
  try {
    const tarball = sh(
      `npm pack --ignore-scripts --silent --pack-destination ${root}`,
      repo,
    ).trim();
    sh("npm init -y >/dev/null && npm pkg set type=module", app);
    sh(`npm install --no-audit --no-fund ${join(root, tarball)} zod >/dev/null 2>&1`, app);
    const size = sh("du -sm node_modules", app).split("\t")[0];
    const aws = sh(
      "ls node_modules/@aws-sdk node_modules/aws-cdk-lib 2>/dev/null | wc -l",
      app,
    ).trim();
    mkdirSync(join(app, "jobs"));
    writeFileSync(
      join(app, "jobs", "hello.ts"),
      `import { defineJob } from "offload";\nexport default defineJob({ handler: async () => {} });\n`,
    );
    writeFileSync(
      join(app, "offload.config.ts"),
      `import { defineConfig } from "offload";\nexport default defineConfig({ durability: "relaxed" });\n`,
    );
    const server = spawn(process.execPath, ["node_modules/offload/bin/offload.mjs", "start"], {
      cwd: app,
      env: { ...process.env, OFFLOAD_PORT: "3917" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((ready) => {
      server.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("offload is listening")) ready();
      });
    });
    const help: number[] = [];
    const send: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        help.push(timed(["--help"], app));
        send.push(timed(["send", "hello", "{}"], app));
      }
    } finally {
      server.kill("SIGTERM");
    }
    const helpMedian = [...help].sort((a, b) => a - b)[Math.floor(help.length / 2)]!;
    console.log(
      `node ${process.version}; install: node_modules ${size} MB, AWS/CDK packages: ${aws}`,
    );
    console.log(
      `offload --help: ${summary(help)}; target ≤ ${TARGET_HELP_MS} ms: ${helpMedian <= TARGET_HELP_MS ? "met" : "MISSED"}`,
    );
    console.log(`offload send:   ${summary(send)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
