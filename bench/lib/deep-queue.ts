import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeepFillResult } from "../engine-deep-fill.js";
import type { DeepLatencyResult } from "../engine-deep-latency.js";
import { tempDir } from "./stats.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs a bench script in its own process (so its RSS is its own) and parses its JSON line. */
function runScript<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, "--import", "tsx", join(repoRoot, "bench", script), ...args],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${script} ${args.join(" ")} ended with code ${code} signal ${signal}`));
        return;
      }
      resolvePromise(JSON.parse(out.trim().split("\n").pop() ?? "") as T);
    });
  });
}

export interface DeepQueueResult {
  fills: DeepFillResult[];
  latency: DeepLatencyResult;
}

/**
 * Fills one database per depth, each in a fresh process with --expose-gc (RSS of a process
 * holding that queue and nothing else), then times receives on all of them interleaved in one
 * process. Removes the files afterwards.
 */
export async function deepQueues(depths: number[]): Promise<DeepQueueResult> {
  const dir = tempDir("offload-bench-deep-");
  try {
    const paths = depths.map((depth) => join(dir.path, `deep-${depth}.db`));
    const fills: DeepFillResult[] = [];
    for (const [i, depth] of depths.entries()) {
      console.error(`deep queue: filling ${depth.toLocaleString("en-US")} (relaxed)...`);
      fills.push(
        await runScript<DeepFillResult>(
          "engine-deep-fill.ts",
          [String(depth), paths[i]!],
          ["--expose-gc"],
        ),
      );
    }
    console.error("deep queue: receive latency, depths interleaved...");
    const latency = await runScript<DeepLatencyResult>("engine-deep-latency.ts", paths);
    return { fills, latency };
  } finally {
    dir.remove();
  }
}
