/**
 * Where the CPU went during a timed run, from Linux's /proc: the whole
 * machine's busy time (so the load generator and the kernel count too) and
 * each thread of the server process, divided by the requests served. A rate
 * alone cannot tell a server limited by its CPU from one waiting on round
 * trips; this can.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface CpuSample {
  /** Clock ticks of the whole machine: busy (user, nice, system, irq, softirq, steal) and all. */
  machineBusy: number;
  machineAll: number;
  /** Clock ticks (user + system) of each thread of the process, by thread id. */
  threads: Map<number, number>;
}

/** Microseconds of CPU per request, over one timed run. */
export interface CpuBudget {
  /** Share of all cores' time that was busy, 0 to 1. */
  machineBusyShare: number;
  machine: number;
  server: number;
  mainThread: number;
  /** The server's busiest thread but its main one (offload's engine thread), and the rest. */
  busiestOtherThread: number;
  otherThreads: number;
}

let tickMicros: number | undefined;

/** Ticks of the machine and of `pid`'s threads now; undefined where there is no /proc. */
export function sampleCpu(pid: number): CpuSample | undefined {
  let stat: string;
  try {
    stat = readFileSync("/proc/stat", "utf8");
  } catch {
    return undefined;
  }
  const [user, nice, system, idle, iowait, irq, softirq, steal] = stat
    .split("\n", 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  const machineBusy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      // The name in parentheses may hold spaces: count fields after it (utime and stime are 14 and 15).
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")
        .split(") ")[1]!
        .split(" ");
      threads.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { machineBusy, machineAll: machineBusy + idle! + iowait!, threads };
}

/** The budget between two samples of `pid` over `requests` requests. */
export function cpuBudget(
  pid: number,
  before: CpuSample | undefined,
  after: CpuSample | undefined,
  requests: number,
): CpuBudget | undefined {
  if (!before || !after || requests <= 0) return undefined;
  tickMicros ??= 1e6 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  const perRequest = (ticks: number) => (ticks * tickMicros!) / requests;
  const used = [...after.threads].map(([tid, ticks]) => ({
    tid,
    ticks: ticks - (before.threads.get(tid) ?? 0),
  }));
  const main = used.find((t) => t.tid === pid)?.ticks ?? 0;
  const others = used.filter((t) => t.tid !== pid).sort((a, b) => b.ticks - a.ticks);
  const busiest = others[0]?.ticks ?? 0;
  const rest = others.slice(1).reduce((sum, t) => sum + t.ticks, 0);
  const busy = after.machineBusy - before.machineBusy;
  return {
    machineBusyShare: busy / (after.machineAll - before.machineAll),
    machine: perRequest(busy),
    server: perRequest(main + busiest + rest),
    mainThread: perRequest(main),
    busiestOtherThread: perRequest(busiest),
    otherThreads: perRequest(rest),
  };
}

/** One line: machine and server µs per request, and the server's threads. */
export function describeBudget(budget: CpuBudget | undefined): string {
  if (!budget) return "CPU per request: not measured (no /proc)";
  const us = (n: number) => n.toFixed(0);
  return `CPU per request (µs): machine ${us(budget.machine)} (${(budget.machineBusyShare * 100).toFixed(0)} % busy), server ${us(budget.server)}: main thread ${us(budget.mainThread)}, busiest other thread ${us(budget.busiestOtherThread)}, its other threads ${us(budget.otherThreads)}`;
}
