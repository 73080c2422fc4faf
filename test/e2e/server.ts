import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repo = resolve(import.meta.dirname, "../..");
const bin = join(repo, "bin/offload.mjs");

/** An app folder inside the repo (so `import "offload"` and zod resolve), removed by cleanup. */
export function appFolder(
  jobs: Record<string, string>,
  options: { packageJson?: Record<string, unknown> } = {},
): { dir: string; cleanup: () => void } {
  const dir = join(repo, ".test-tmp", `app-${randomUUID()}`);
  mkdirSync(join(dir, "jobs"), { recursive: true });
  if (options.packageJson) {
    // A package of its own, with offload installed in it as an app would have it.
    writeFileSync(join(dir, "package.json"), JSON.stringify(options.packageJson));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(repo, join(dir, "node_modules", "offload"), "dir");
  }
  writeFileSync(
    join(dir, "offload.config.ts"),
    `import { defineConfig } from "offload";\nexport default defineConfig({ jobs: "jobs", database: "data/app.db", port: 0 });\n`,
  );
  for (const [name, source] of Object.entries(jobs)) {
    writeFileSync(
      join(dir, "jobs", `${name}.ts`),
      `import { defineJob, Unrecoverable } from "offload";\nvoid Unrecoverable;\n${source}\n`,
    );
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Server {
  url: string;
  child: ChildProcess;
  /** JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves when a log line matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** `offload start` (or `dev`) in `dir` as a child process; resolves once it listens. */
export async function startServer(
  dir: string,
  env: Record<string, string> = {},
  command: "start" | "dev" = "start",
): Promise<Server> {
  const started = spawnLogged(dir, [command], env);
  const line = await started.waitForLog(
    (l) => typeof l.url === "string" && String(l.msg).startsWith("offload is listening"),
  );
  return { ...started, url: String(line.url) };
}

/** A long-running `offload <args>` in `dir`, its log lines parsed as they come. */
export function spawnLogged(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Omit<Server, "url"> {
  return spawnCommandLogged(dir, process.execPath, [bin, ...args], env);
}

/** A long-running command in `dir` that logs as `offload start` or `dev` does. */
export function spawnCommandLogged(
  dir: string,
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Omit<Server, "url"> {
  const child = spawn(file, args, {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stderr = "";
  let buffer = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // `offload dev` prints readable lines: "HH:MM:SS LEVEL message  key=value ..."
        const match = /^\d\d:\d\d:\d\d (\w+)\s+(.*?)(?: {2}(\w+=.*))?$/.exec(line);
        const fields: Record<string, unknown> = {
          msg: match?.[2] ?? line,
          level: match?.[1],
          raw: line,
        };
        for (const pair of match?.[3]?.split(" ") ?? []) {
          const [key, ...rest] = pair.split("=");
          if (key) fields[key] = rest.join("=");
        }
        logs.push(fields);
      }
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const waitForLog = async (match: (line: Record<string, unknown>) => boolean) => {
    for (;;) {
      const found = logs.find(match);
      if (found) return found;
      const ended = await Promise.race([
        new Promise<false>((r) => waiters.push(() => r(false))),
        exited.then(() => true),
      ]);
      if (ended && !logs.some(match))
        throw new Error(
          `${[file, ...args].join(" ")} exited before the expected log line; stderr: ${stderr}`,
        );
    }
  };
  return { child, logs, waitForLog, exited };
}

/** Runs the CLI to completion. */
export function cli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    ...(cwd === undefined ? {} : { cwd }),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((done) => child.on("exit", (code) => done({ code, stdout, stderr })));
}

export async function postJob(
  url: string,
  jobName: string,
  payload: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jobName, payload }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The demo app as `npm start` serves it (examples/), on a free port and a database of its own. */
export interface DemoApp extends Server {
  /** SIGTERM, waits for the exit, removes the database. */
  stop(): Promise<void>;
}

export async function startDemoApp(env: Record<string, string> = {}): Promise<DemoApp> {
  const data = mkdtempSync(join(tmpdir(), "offload-demo-"));
  try {
    const server = await startServer(join(repo, "examples"), {
      OFFLOAD_PORT: "0",
      OFFLOAD_DB: join(data, "demo.db"),
      ...env,
    });
    return {
      ...server,
      stop: async () => {
        server.child.kill("SIGTERM");
        await server.exited;
        rmSync(data, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(data, { recursive: true, force: true });
    throw e;
  }
}
