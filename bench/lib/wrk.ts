import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

/** What one wrk run measured. */
export interface WrkRun {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}

/** Installs wrk (Debian package) if it is missing, as bench/http.ts does. */
export function ensureWrk(): void {
  try {
    execFileSync("which", ["wrk"], { stdio: "ignore" });
  } catch {
    console.error("installing wrk (Debian package)...");
    execFileSync("sh", ["-c", "apt-get update -qq && apt-get install -y -qq wrk"], {
      stdio: "inherit",
    });
  }
}

/** A wrk Lua script sending `method` with an optional JSON body. */
export function wrkScript(path: string, method: "GET" | "POST", body?: string): string {
  const lines = [`wrk.method = "${method}"`];
  if (body !== undefined) {
    lines.push(`wrk.body = '${body}'`, `wrk.headers["Content-Type"] = "application/json"`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/**
 * Runs wrk without blocking the event loop, so two can run at once. A 30 s request timeout:
 * a request stalled for seconds is a latency to report, not a socket error.
 */
export function runWrk(options: {
  url: string;
  script: string;
  connections: number;
  threads: number;
  seconds: number;
}): Promise<WrkRun> {
  const args = [
    "-t",
    String(options.threads),
    "-c",
    String(options.connections),
    "-d",
    `${options.seconds}s`,
    "--timeout",
    "30s",
    "--latency",
    "-s",
    options.script,
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`wrk ended with code ${code}:\n${out}`));
      else {
        try {
          resolve(parseWrk(out));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

function parseWrk(out: string): WrkRun {
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s|m)`, "m").exec(out);
    if (!m) throw new Error(`wrk output lacks the ${label}% latency:\n${out}`);
    const value = Number(m[1]);
    const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
    return value * unit;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
    p50Ms: ms("50"),
    p99Ms: ms("99"),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}
