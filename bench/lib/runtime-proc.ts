import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * CPU (user + system) a process — or one of its threads, by thread id — has used so far, in
 * microseconds, from /proc (Linux). Resolution is one clock tick (10 ms on most kernels).
 * The main thread of a process has the process's id as its thread id.
 */
export function procCpuMicros(pid: number, tid?: number): number {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const stat = readFileSync(path, "utf8");
  // Fields after the command name (which may hold spaces) start after its closing ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  return (ticks * 1e6) / clockTicksPerSecond();
}

/** CPU of this process's main thread (the one running the event loop) so far, in microseconds. */
export function mainThreadCpuMicros(): number {
  return procCpuMicros(process.pid, process.pid);
}

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  return ticksPerSecond;
}
