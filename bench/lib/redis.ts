import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { procCpuMicros } from "./runtime-proc.js";
import { tempDir } from "./stats.js";

/** How the bench's Redis persists: AOF on, fsync per `appendfsync`; RDB snapshots off. */
export type AppendFsync = "everysec" | "always";

/** The settings passed to redis-server besides port and dir, for the report. */
export function redisSettings(appendfsync: AppendFsync): string[] {
  return [
    "--appendonly",
    "yes",
    "--appendfsync",
    appendfsync,
    // RDB off: AOF is the persistence; a background snapshot would fork mid-run.
    "--save",
    "",
    "--bind",
    "127.0.0.1",
    "--protected-mode",
    "yes",
    "--daemonize",
    "no",
  ];
}

/**
 * Makes sure `redis-server` is installed: Debian's package, installed with apt-get when
 * `which redis-server` fails (running `apt-get update` first if the install fails without it).
 * Returns the server's version line.
 */
export function ensureRedisServer(): string {
  if (!which("redis-server")) {
    console.error("redis-server is missing: apt-get install -y redis-server ...");
    const install = () =>
      execFileSync("apt-get", ["install", "-y", "redis-server"], {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    try {
      install();
    } catch {
      execFileSync("apt-get", ["update"], { stdio: ["ignore", "ignore", "inherit"] });
      install();
    }
  }
  return execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
}

function which(command: string): boolean {
  try {
    execFileSync("which", [command], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface RedisServer {
  port: number;
  pid: number;
  /** CPU (user + system) the server has used so far, in microseconds. */
  cpuMicros(): number;
  /** SIGTERM (Redis syncs its AOF and exits), then removes its folder. */
  stop(): Promise<void>;
}

/** Starts a redis-server on a free loopback port, with its files in a fresh temp folder. */
export async function startRedis(appendfsync: AppendFsync): Promise<RedisServer> {
  const dir = tempDir("offload-bench-redis-");
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--dir", dir.path, ...redisSettings(appendfsync)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // Never leave a server behind, even if the bench throws or exits early.
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  try {
    await ready(child);
  } catch (e) {
    kill();
    dir.remove();
    throw e;
  }
  const pid = child.pid!;
  return {
    port,
    pid,
    cpuMicros: () => procCpuMicros(pid),
    async stop() {
      process.off("exit", kill);
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
      dir.remove();
    },
  };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)),
    );
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
