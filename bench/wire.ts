/**
 * The SQS wire endpoint through @aws-sdk/client-sqs, against the emulators
 * users pick: 8 SDK clients (one request in flight each) send 20,000
 * messages with SendMessageBatch (10 a request), then receive 10 at a time
 * and delete each batch with DeleteMessageBatch, against
 *   - offload start, durability "full" (a send is answered after its fsync)
 *   - offload start, durability "relaxed"
 *   - fauxqs 2.4.1, in memory, and with its SQLite persistence (Node 22)
 * taking turns, a fresh server and queue each run, for ROUNDS rounds (the
 * order rotates each round), then moto with a small sample.
 *
 * The clients run in CLIENT_PROCESSES processes of their own, so the SDK's
 * CPU (it signs, serialises and parses every request) is not the timing
 * process's nor the server's; each run reports the clients' CPU and the
 * server's (all its threads, from /proc) per message.
 *
 * Targets: offload full ≥ 2 × fauxqs in memory end to end, relaxed ≥ 3 ×,
 * each round's ratio from its own runs, the median round reported; offload
 * ≥ 10 × moto.
 *
 * BENCH_WIRE_BASELINE=<folder>: another build of offload (bin/ and dist/)
 * runs beside this one, as "(base)". BENCH_ONLY=<names,...> runs only the
 * contenders whose names contain one of them.
 * BENCH_WIRE_PROFILE=<dir>: offload runs with --cpu-prof into <dir> (one
 * profile per thread); `tsx bench/lib/wire-profile.ts <dir>` sums it by stage.
 * BENCH_WIRE_NODE_FLAGS="<flags>": node options for offload's process (say
 * `--trace-gc`); BENCH_WIRE_SERVER_LOG=<file> appends offload's output to it.
 *
 * Two loads run in every round (BENCH_WIRE_CLIENTS=sdk,lean picks them):
 *   - sdk: the AWS SDK, as users run it. Its clients spend several times the
 *     CPU of either server per message, on the same cores, so the ratio
 *     between servers is bounded by (client + fauxqs) / client CPU per
 *     message, which the bench prints.
 *   - lean: the same requests (the SDK's JSON bodies and headers, a
 *     SigV4-shaped Authorization) as raw HTTP on keep-alive sockets
 *     (lib/wire-lean-client.ts), a tenth of the SDK's CPU: the servers' own
 *     capacity decides.
 * Each run sends and drains BENCH_WIRE_WARMUP messages (2,000; a tenth of a
 * small sample at most) before it is measured, with the same clients and
 * server: JIT compilation otherwise weighs on a run of a few seconds.
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startMoto } from "../test/conformance/moto.js";
import type { FromClient, ToClient } from "./lib/wire-client.js";

const repo = resolve(import.meta.dirname, "..");
const peersDir = join(repo, "bench/wire-peers");
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = 8;
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
/**
 * moto handles a few dozen messages a second here, slower as its queue grows
 * (5,000 did not finish in 15 minutes), so it gets a smaller sample, once.
 */
const MOTO_MESSAGES = Number(process.env.BENCH_MOTO_MESSAGES ?? 500);
/**
 * fauxqs with persistence writes each change through on its own (a sync per message here, about
 * 100 messages a second): a smaller sample, whose rate is compared.
 */
/**
 * Messages sent and drained before each run is measured, with the same clients: every server
 * (and client) compiles its hot code in its first seconds, a large share of a short run.
 */
const WARMUP = Number(process.env.BENCH_WIRE_WARMUP ?? 2_000);
const FAUXQS_SQLITE_MESSAGES = Number(process.env.BENCH_FAUXQS_SQLITE_MESSAGES ?? 2_000);
const PROFILE_DIR = process.env.BENCH_WIRE_PROFILE;
/** BENCH_WIRE_NODE_FLAGS: node options for offload's process (`--trace-gc`, heap sizes, ...). */
const NODE_FLAGS = process.env.BENCH_WIRE_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
const ONLY = process.env.BENCH_ONLY?.split(",");
/** Another build of offload (a folder with bin/ and dist/) to run beside this one, as "(base)". */
const BASELINE = process.env.BENCH_WIRE_BASELINE;

interface Server {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

interface Contender {
  name: string;
  /** Messages of its runs, when not MESSAGES. */
  messages?: number;
  start(): Promise<Server>;
}

interface Result {
  messages: number;
  sendPerSecond: number;
  drainPerSecond: number;
  endToEndPerSecond: number;
  /** CPU per message, µs: all client processes, and the server's threads. */
  clientCpuUsPerMessage: number;
  serverCpuUsPerMessage: number;
  /** The server's CPU per message, µs, by thread (see threadSplit). */
  serverThreads: { main: number; busiest: number; rest: number };
  requests: number;
}

/** utime + stime of a process (all its threads), or of one thread (`/proc/<pid>/task/<tid>`), ms. */
function processCpuMs(pid: number, path = `/proc/${pid}/stat`): number {
  try {
    const stat = readFileSync(path, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU ms of each thread of a process, by thread id. */
function threadCpuMs(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      threads.set(tid, processCpuMs(pid, `/proc/${pid}/task/${tid}/stat`));
    }
  } catch {
    // Not Linux, or the process is gone: no split.
  }
  return threads;
}

/**
 * The server's CPU per message split by thread: its main thread, its busiest other thread
 * (offload's engine thread; Node names no thread, so it is found by its use), and the rest
 * (V8's helpers, libuv's pool, job workers).
 */
function threadSplit(
  pid: number,
  before: Map<string, number>,
  messages: number,
): { main: number; busiest: number; rest: number } {
  const used = [...threadCpuMs(pid)].map(
    ([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const,
  );
  const main = used.find(([tid]) => tid === String(pid))?.[1] ?? 0;
  const others = used.filter(([tid]) => tid !== String(pid)).map(([, ms]) => ms);
  const busiest = Math.max(0, ...others);
  const rest = others.reduce((sum, ms) => sum + ms, 0) - busiest;
  const us = (ms: number) => Math.round((ms * 1000) / messages);
  return { main: us(main), busiest: us(busiest), rest: us(rest) };
}

function waitFor(child: ChildProcess, t: FromClient["t"]): Promise<FromClient> {
  return new Promise((done, fail) => {
    const onMessage = (message: FromClient) => {
      if (message.t === "done" && message.failed) fail(new Error(message.failed));
      if (message.t !== t) return;
      child.off("message", onMessage);
      done(message);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => fail(new Error(`a bench client exited with ${code}`)));
  });
}

/** How the load is made: the AWS SDK, or raw HTTP with the SDK's bytes (wire-lean-client.ts). */
type ClientKind = "sdk" | "lean";
const CLIENT_MODULES: Record<ClientKind, string> = {
  sdk: "bench/lib/wire-client.ts",
  lean: "bench/lib/wire-lean-client.ts",
};
/** BENCH_WIRE_CLIENTS=sdk,lean (the default): which loads to run, each in every round. */
const CLIENT_KINDS = (process.env.BENCH_WIRE_CLIENTS?.split(",") ?? ["sdk", "lean"]).filter(
  (k): k is ClientKind => k === "sdk" || k === "lean",
);

/**
 * One phase of a run: the clients send `count` messages (ids from `first`), then drain them;
 * they stop draining before it resolves, with its times.
 */
async function phase(
  children: ChildProcess[],
  queueUrl: string,
  first: number,
  count: number,
): Promise<{ started: number; sent: number; done: number }> {
  const tell = (c: ChildProcess, m: ToClient) => c.send(m);
  const started = performance.now();
  const share = Math.ceil(count / CLIENT_PROCESSES / 10) * 10;
  await Promise.all(
    children.map((c, i) => {
      const from = i * share;
      const sent = waitFor(c, "sent");
      tell(c, { t: "send", queueUrl, from: first + from, count: Math.min(share, count - from) });
      return sent;
    }),
  );
  const sent = performance.now();
  let drained = 0;
  const listeners: Array<[ChildProcess, (m: FromClient) => void]> = [];
  await new Promise<void>((done, fail) => {
    for (const c of children) {
      const listener = (m: FromClient) => {
        if (m.t === "done" && m.failed) fail(new Error(m.failed));
        if (m.t !== "drained") return;
        drained += m.n;
        if (drained >= count) done();
      };
      listeners.push([c, listener]);
      c.on("message", listener);
      tell(c, { t: "drain" });
    }
  });
  const done = performance.now();
  await Promise.all(
    children.map((c) => {
      const halted = waitFor(c, "halted");
      tell(c, { t: "halt" });
      return halted;
    }),
  );
  for (const [c, listener] of listeners) c.off("message", listener);
  if (drained !== count) throw new Error(`drained ${drained} of ${count}`);
  return { started, sent, done };
}

async function run(contender: Contender, count: number, kind: ClientKind): Promise<Result> {
  const server = await contender.start();
  try {
    const admin = new SQSClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    const { QueueUrl } = await admin.send(
      new CreateQueueCommand({ QueueName: `wire-bench-${Date.now()}` }),
    );
    admin.destroy();
    const children = Array.from({ length: CLIENT_PROCESSES }, (_, i) =>
      fork(join(repo, CLIENT_MODULES[kind]), [], {
        execArgv: ["--import", "tsx"],
        env: {
          ...process.env,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          WIRE_ENDPOINT: server.endpoint,
          WIRE_CLIENTS: String(
            Math.floor(CLIENTS / CLIENT_PROCESSES) + (i < CLIENTS % CLIENT_PROCESSES ? 1 : 0),
          ),
        },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    await Promise.all(children.map((c) => waitFor(c, "ready")));
    const tell = (c: ChildProcess, m: ToClient) => c.send(m);
    // A tenth of a small sample at most (moto, fauxqs with SQLite are slow).
    const warmup = Math.min(WARMUP, Math.floor(count / 10));
    if (warmup > 0) await phase(children, QueueUrl!, 1_000_000_000, warmup);
    const serverCpuBefore = processCpuMs(server.pid);
    const threadsBefore = threadCpuMs(server.pid);
    const { started, sent, done } = await phase(children, QueueUrl!, 0, count);
    const serverCpuMs = processCpuMs(server.pid) - serverCpuBefore;
    const serverThreads = threadSplit(server.pid, threadsBefore, count);
    const finals = await Promise.all(
      children.map((c) => {
        const d = waitFor(c, "done");
        tell(c, { t: "stop" });
        return d as Promise<Extract<FromClient, { t: "done" }>>;
      }),
    );
    const clientCpuMs = finals.reduce((sum, f) => sum + f.cpuMs, 0);
    return {
      messages: count,
      sendPerSecond: Math.round(count / ((sent - started) / 1000)),
      drainPerSecond: Math.round(count / ((done - sent) / 1000)),
      endToEndPerSecond: Math.round(count / ((done - started) / 1000)),
      clientCpuUsPerMessage: Math.round((clientCpuMs * 1000) / count),
      serverCpuUsPerMessage: Math.round((serverCpuMs * 1000) / count),
      serverThreads,
      requests: finals.reduce((sum, f) => sum + f.requests, 0),
    };
  } finally {
    await server.stop();
  }
}

/** Resolves with the first stdout line `match` accepts, parsed by it. */
function firstLine<T>(child: ChildProcess, what: string, match: (line: string) => T | undefined) {
  return new Promise<T>((done, fail) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split("\n")) {
        const found = match(line);
        if (found === undefined) continue;
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        done(found);
        return;
      }
    });
    child.once("exit", (code) => fail(new Error(`${what} exited with ${code}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  return exited;
}

function offload(
  app: string,
  durability: "full" | "relaxed",
  checkout = repo,
  label = "",
): Contender {
  return {
    name: `offload ${durability}${label}`,
    async start() {
      const work = mkdtempSync(join(tmpdir(), "offload-wire-bench-"));
      const profile = PROFILE_DIR
        ? [
            "--cpu-prof",
            "--cpu-prof-dir",
            join(PROFILE_DIR, `${durability}${label ? "-base" : ""}`),
          ]
        : [];
      const child = spawn(
        process.execPath,
        [...profile, ...NODE_FLAGS, join(checkout, "bin/offload.mjs"), "start"],
        {
          cwd: app,
          env: {
            ...process.env,
            OFFLOAD_DB: join(work, "wire.db"),
            OFFLOAD_DURABILITY: durability,
            OFFLOAD_PORT: "0",
          },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      if (process.env.BENCH_WIRE_SERVER_LOG) {
        child.stdout!.on("data", (c: Buffer) =>
          appendFileSync(process.env.BENCH_WIRE_SERVER_LOG!, c),
        );
      }
      const url = await firstLine(child, "offload start", (line) =>
        line.includes("offload is listening")
          ? String((JSON.parse(line) as { url: string }).url)
          : undefined,
      );
      return {
        endpoint: url,
        pid: child.pid!,
        async stop() {
          await stopChild(child);
          rmSync(work, { recursive: true, force: true });
        },
      };
    },
  };
}

function fauxqs(node: string, persisted: boolean): Contender {
  return {
    name: persisted ? "fauxqs sqlite" : "fauxqs memory",
    ...(persisted ? { messages: Math.min(MESSAGES, FAUXQS_SQLITE_MESSAGES) } : {}),
    async start() {
      const data = persisted ? mkdtempSync(join(tmpdir(), "fauxqs-wire-bench-")) : undefined;
      const child = spawn(node, [join(peersDir, "start-fauxqs.mjs")], {
        cwd: peersDir,
        env: {
          ...process.env,
          NODE_NO_WARNINGS: "1",
          ...(data ? { FAUXQS_BENCH_DATA_DIR: data } : {}),
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const port = await firstLine(child, "fauxqs", (line) =>
        line.startsWith("{") ? Number((JSON.parse(line) as { port: number }).port) : undefined,
      );
      return {
        endpoint: `http://127.0.0.1:${port}`,
        pid: child.pid!,
        async stop() {
          await stopChild(child);
          if (data) rmSync(data, { recursive: true, force: true });
        },
      };
    },
  };
}

/**
 * fauxqs and the Node 22 it needs, installed into bench/wire-peers/node_modules when missing
 * (they stay out of offload's dependencies: offload supports Node 20). Undefined, with the
 * reason printed, when they cannot be installed.
 */
function ensureFauxqs(): string | undefined {
  const node = join(peersDir, "node_modules/node/bin/node");
  const ready = () => existsSync(node) && existsSync(join(peersDir, "node_modules/fauxqs"));
  if (!ready()) {
    console.log("installing fauxqs and Node 22 (bench/wire-peers) for the comparison...");
    try {
      execFileSync(
        "npm",
        ["install", "--prefix", peersDir, "--no-audit", "--no-fund", "--no-package-lock"],
        { stdio: "inherit" },
      );
    } catch (e) {
      console.log(`fauxqs SKIPPED: it could not be installed (${String(e)})`);
      return undefined;
    }
  }
  if (!ready()) {
    console.log("fauxqs SKIPPED: after npm install, bench/wire-peers has no Node 22 or fauxqs");
    return undefined;
  }
  return node;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[], digits = 2): string {
  const f = (v: number) => (digits === 0 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

async function main(): Promise<void> {
  // The SDK warns on every client under Node 20 about its future releases.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const app = join(repo, ".test-tmp", `bench-wire-${process.pid}`);
  mkdirSync(join(app, "jobs"), { recursive: true });
  writeFileSync(
    join(app, "offload.config.ts"),
    `import { defineConfig } from "offload";\nexport default defineConfig({ jobs: "jobs" });\n`,
  );
  writeFileSync(
    join(app, "jobs", "noop.ts"),
    `import { defineJob } from "offload";\nexport default defineJob({ handler: async () => {} });\n`,
  );
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const node22 = ensureFauxqs();
  const contenders: Contender[] = [
    offload(app, "full"),
    offload(app, "relaxed"),
    ...(BASELINE
      ? [offload(app, "full", BASELINE, " (base)"), offload(app, "relaxed", BASELINE, " (base)")]
      : []),
    ...(node22 ? [fauxqs(node22, false), fauxqs(node22, true)] : []),
  ].filter((c) => !ONLY || ONLY.some((o) => c.name.includes(o)));
  /** Per round, per load (sdk, lean), per contender. */
  const rounds: Array<Partial<Record<ClientKind, Record<string, Result>>>> = [];
  let moto: Result | undefined;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const results: Partial<Record<ClientKind, Record<string, Result>>> = {};
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const kind of CLIENT_KINDS) {
        const byName: Record<string, Result> = {};
        for (const contender of order) {
          const r = await run(contender, contender.messages ?? MESSAGES, kind);
          byName[contender.name] = r;
          console.log(
            `round ${round + 1} ${kind.padEnd(4)} ${contender.name.padEnd(24)} ${String(r.endToEndPerSecond).padStart(6)} msg/s end to end (send ${r.sendPerSecond}/s, drain ${r.drainPerSecond}/s; CPU per message: clients ${r.clientCpuUsPerMessage} µs, server ${r.serverCpuUsPerMessage} µs (main thread ${r.serverThreads.main}, busiest other ${r.serverThreads.busiest}, rest ${r.serverThreads.rest}); load ${loadavg()[0]!.toFixed(1)})`,
          );
        }
        results[kind] = byName;
      }
      rounds.push(results);
    }
    if (MOTO_MESSAGES > 0 && !ONLY) {
      console.log(`moto: ${MOTO_MESSAGES} messages...`);
      const server = await startMoto();
      moto = await run(
        {
          name: "moto",
          start: async () => ({ endpoint: server.endpoint, pid: Number.NaN, stop: async () => {} }),
        },
        MOTO_MESSAGES,
        "sdk",
      ).finally(() => server.stop());
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
  }

  const names = contenders.map((c) => c.name);
  const base = names.includes("fauxqs memory") ? "fauxqs memory" : undefined;
  const summaryOf = (kind: ClientKind) =>
    Object.fromEntries(
      names.map((name) => {
        const runs = rounds.map((r) => r[kind]![name]!);
        const rates = runs.map((r) => r.endToEndPerSecond);
        const ratios = base
          ? rounds.map((r) => r[kind]![name]!.endToEndPerSecond / r[kind]![base]!.endToEndPerSecond)
          : [];
        return [
          name,
          {
            endToEndPerSecond: median(rates),
            rounds: rates,
            ratioToFauxqsMemory: base ? median(ratios) : undefined,
            ratioRounds: ratios,
            clientCpuUsPerMessage: median(runs.map((r) => r.clientCpuUsPerMessage)),
            clientCpuRounds: runs.map((r) => r.clientCpuUsPerMessage),
            serverCpuUsPerMessage: median(runs.map((r) => r.serverCpuUsPerMessage)),
            serverCpuRounds: runs.map((r) => r.serverCpuUsPerMessage),
          },
        ];
      }),
    );
  const summary = Object.fromEntries(CLIENT_KINDS.map((kind) => [kind, summaryOf(kind)]));
  const ratioOf = (kind: ClientKind, name: string) => summary[kind]?.[name]?.ratioToFauxqsMemory;
  /**
   * On a saturated machine a run's rate is the CPU there is over (client + server) CPU per
   * message, so a server that cost nothing would reach (client + fauxqs) / client × fauxqs.
   */
  const ceilingOf = (kind: ClientKind) => {
    const f = base ? summary[kind]?.[base] : undefined;
    return f
      ? (f.clientCpuUsPerMessage + f.serverCpuUsPerMessage) / f.clientCpuUsPerMessage
      : undefined;
  };
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    setup: {
      messages: MESSAGES,
      fauxqsSqliteMessages: Math.min(MESSAGES, FAUXQS_SQLITE_MESSAGES),
      motoMessages: MOTO_MESSAGES,
      clients: CLIENTS,
      clientProcesses: CLIENT_PROCESSES,
      rounds: ROUNDS,
      loads: CLIENT_KINDS,
    },
    rounds,
    summary,
    ceilings: Object.fromEntries(CLIENT_KINDS.map((kind) => [kind, ceilingOf(kind)])),
    moto,
    targets: Object.fromEntries(
      CLIENT_KINDS.flatMap((kind) => {
        const full = ratioOf(kind, "offload full");
        const relaxed = ratioOf(kind, "offload relaxed");
        return [
          [
            `${kind}: offload full ≥ 2 × fauxqs in memory`,
            full === undefined ? undefined : full >= 2,
          ],
          [
            `${kind}: offload relaxed ≥ 3 × fauxqs in memory`,
            relaxed === undefined ? undefined : relaxed >= 3,
          ],
        ];
      }).concat([
        [
          "sdk: offload full ≥ 10 × moto",
          moto && summary.sdk?.["offload full"]
            ? summary.sdk["offload full"].endToEndPerSecond / moto.endToEndPerSecond >= 10
            : undefined,
        ],
      ]),
    ),
  };
  mkdirSync(join(repo, "bench/results"), { recursive: true });
  writeFileSync(join(repo, "bench/results/wire.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const kind of CLIENT_KINDS) {
    console.log(
      `\nSQS ${kind === "sdk" ? "through @aws-sdk/client-sqs" : "from the lean client (raw HTTP, the SDK's bytes)"}, ${MESSAGES} messages, ${CLIENTS} clients in ${CLIENT_PROCESSES} processes, ${ROUNDS} rounds — ${report.date} — ${report.machine.cpus} × ${report.machine.model}`,
    );
    console.log("median (min–max) msg/s end to end; ratio to fauxqs in memory, per round");
    for (const name of names) {
      const s = summary[kind]![name]!;
      console.log(
        `${name.padEnd(24)} ${spread(s.rounds, 0).padStart(24)}  ${base ? `× ${spread(s.ratioRounds)}` : ""}  CPU/msg clients ${spread(s.clientCpuRounds, 0)} µs, server ${spread(s.serverCpuRounds, 0)} µs`,
      );
    }
    const ceiling = ceilingOf(kind);
    if (ceiling !== undefined) {
      console.log(
        `a server that cost nothing could reach at most ${ceiling.toFixed(2)} × fauxqs in memory with this load on a saturated machine: (client + fauxqs) / client CPU per message`,
      );
    }
  }
  const full = summary.sdk?.["offload full"];
  if (moto) {
    console.log(
      `moto           ${String(moto.endToEndPerSecond).padStart(24)}  (${MOTO_MESSAGES} messages)${full ? `; offload full / moto ${(full.endToEndPerSecond / moto.endToEndPerSecond).toFixed(0)} ×` : ""}`,
    );
  }
  for (const [target, met] of Object.entries(report.targets)) {
    if (met !== undefined) console.log(`${met ? "met   " : "MISSED"} ${target}`);
  }
}

await main();
