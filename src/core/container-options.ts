import { describeValue, formatDuration, parseDuration } from "./duration.js";
import type { Duration } from "./job-types.js";
import { AWS_LIMITS } from "./limits.js";
import { collect, isIntegerIn } from "./option-problems.js";

const SECOND = 1_000;
const { fargate } = AWS_LIMITS;
const CPU_VALUES = fargate.taskSizes.map((size) => size.cpu);

/** Fargate CPU units: 256 is a quarter vCPU, 1024 one vCPU. */
export type FargateCpu = 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384;

/**
 * How a `runtime: "container"` job runs on ECS Fargate: the task's size, how many tasks, how
 * they scale on the queue's backlog, and how they stop.
 */
export interface ContainerOptions {
  /** CPU units of each task, one of Fargate's sizes (1024 = 1 vCPU). @defaultValue 512, or the smallest that allows `memory` */
  cpu?: FargateCpu;
  /**
   * Memory of each task in MiB, one of the values Fargate allows with `cpu` (256: 512, 1024
   * or 2048; 512: 1024–4096; 1024: 2048–8192, in 1024 steps; and so on).
   * @defaultValue 2 × cpu (the smallest Fargate allows with it)
   */
  memory?: number;
  /** Tasks kept running when the queue is empty; 0 scales to zero. @defaultValue 0 */
  minTasks?: number;
  /** The most tasks the service scales out to (at most 5,000, ECS's limit per service). @defaultValue 10 */
  maxTasks?: number;
  /**
   * How long one job usually takes: with `acceptableLatency` and `concurrency`, it sets the
   * backlog per task the service scales to keep. At most `timeout`. @defaultValue timeout
   */
  expectedDuration?: Duration;
  /** How long a job may wait in the queue before a task takes it, in the steady state. @defaultValue "1m" */
  acceptableLatency?: Duration;
  /**
   * Between SIGTERM (at scale-in or a deploy) and SIGKILL: running jobs get this long to
   * finish. 1s–120s, Fargate's maximum. @defaultValue "120s"
   */
  stopTimeout?: Duration;
  /** Extend a running job's message visibility before it expires, so a job may outlast retryDelay. @defaultValue true */
  heartbeat?: boolean;
}

/** {@link ContainerOptions} after defaults and validation. Frozen. */
export interface ResolvedContainerOptions {
  readonly cpu: FargateCpu;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly expectedDurationMs: number;
  readonly acceptableLatencyMs: number;
  /**
   * The backlog per task (visible messages ÷ running tasks) the service scales to keep:
   * acceptableLatency ÷ expectedDuration × concurrency, and at least 1.
   */
  readonly targetBacklogPerTask: number;
  readonly stopTimeoutMs: number;
  readonly heartbeat: boolean;
}

// biome-ignore format: one option list, in the order of ContainerOptions
const KNOWN = [
  "cpu", "memory", "minTasks", "maxTasks", "expectedDuration", "acceptableLatency", "stopTimeout",
  "heartbeat",
] as const;
const DEFAULT_CPU: FargateCpu = 512;
const DEFAULT_MAX_TASKS = 10;
const DEFAULT_LATENCY_MS = 60 * SECOND;
const MAX_STOP_TIMEOUT_MS = fargate.maxStopTimeoutSeconds * SECOND;

/** What the container options are checked against: the job's own resolved options. */
export interface ContainerJob {
  /** The job's runtime as given; `container` is refused unless it is "container". */
  readonly runtime: unknown;
  /** The job's timeout, ms; undefined when it is invalid (its problem is recorded already). */
  readonly timeoutMs: number | undefined;
  /** Batches a task runs at once; undefined when invalid. */
  readonly concurrency: number | undefined;
}

/**
 * Applies defaults to the `container` option and checks it against Fargate's limits, recording
 * one message per problem in `problems` (each names the option, what is allowed and what came).
 *
 * @returns the resolved options for a container job (defaults when `container` is not given);
 *   undefined for a Lambda job, or when a problem was recorded.
 * @example
 * const problems: string[] = [];
 * resolveContainerOptions({ cpu: 1024 }, { runtime: "container", timeoutMs: 7_200_000, concurrency: 5 }, problems);
 * // { cpu: 1024, memoryMiB: 2048, minTasks: 0, maxTasks: 10, ... }
 */
export function resolveContainerOptions(
  value: unknown,
  job: ContainerJob,
  problems: string[],
): ResolvedContainerOptions | undefined {
  if (job.runtime !== "container") {
    if (value !== undefined) {
      problems.push(
        `container is given but runtime is ${describeValue(job.runtime ?? "lambda")}: the container options apply to runtime "container" jobs only (add runtime: "container", or remove container)`,
      );
    }
    return undefined;
  }
  const o = value ?? {};
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    problems.push(
      `container ${describeValue(value)} is not an object: write e.g. { cpu: 1024, memory: 2048, maxTasks: 5 }`,
    );
    return undefined;
  }
  const given = o as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(given)) {
    if (!(KNOWN as ReadonlyArray<string>).includes(key)) {
      problems.push(`unknown option container.${key}: container's options are ${KNOWN.join(", ")}`);
    }
  }

  const size = taskSize(given.cpu, given.memory, problems);

  const minTasks = given.minTasks ?? 0;
  const maxTasks = given.maxTasks ?? DEFAULT_MAX_TASKS;
  const minValid = isIntegerIn(minTasks, 0, fargate.maxTasksPerService);
  const maxValid = isIntegerIn(maxTasks, 1, fargate.maxTasksPerService);
  const limit = fargate.maxTasksPerService.toLocaleString("en-US");
  if (!minValid) {
    problems.push(
      `container.minTasks ${describeValue(minTasks)} is not an integer from 0 to ${limit} (0 scales to zero when the queue is empty)`,
    );
  }
  if (!maxValid) {
    problems.push(
      `container.maxTasks ${describeValue(maxTasks)} is not an integer from 1 to ${limit} (ECS's limit of tasks per service)`,
    );
  }
  if (minValid && maxValid && minTasks > maxTasks) {
    problems.push(
      `container.minTasks ${minTasks} is above container.maxTasks ${maxTasks}: the service scales between them`,
    );
  }

  const expected = duration(given.expectedDuration, "container.expectedDuration", problems);
  const expectedMs = expected ?? job.timeoutMs;
  if (expected !== undefined && expected <= 0) {
    problems.push(
      `container.expectedDuration ${String(given.expectedDuration)} is not above 0: how long one job usually takes`,
    );
  } else if (expected !== undefined && job.timeoutMs !== undefined && expected > job.timeoutMs) {
    problems.push(
      `container.expectedDuration ${String(given.expectedDuration)} is longer than timeout ${formatDuration(job.timeoutMs)}: a job expected to run past its timeout would always be stopped`,
    );
  }
  const latency = duration(given.acceptableLatency, "container.acceptableLatency", problems);
  if (latency !== undefined && latency < SECOND) {
    problems.push(
      `container.acceptableLatency ${String(given.acceptableLatency)} is below 1s: how long a job may wait for a task`,
    );
  }

  const stop = duration(given.stopTimeout, "container.stopTimeout", problems);
  if (stop !== undefined && (stop < SECOND || stop > MAX_STOP_TIMEOUT_MS || stop % SECOND !== 0)) {
    problems.push(
      `container.stopTimeout ${String(given.stopTimeout)} is not whole seconds from 1s to 120s: Fargate gives a container at most 120 seconds between SIGTERM and SIGKILL`,
    );
  }

  const heartbeat = given.heartbeat ?? true;
  if (typeof heartbeat !== "boolean") {
    problems.push(`container.heartbeat ${describeValue(heartbeat)} is not true or false`);
  }

  if (problems.length > before || !size || expectedMs === undefined) return undefined;
  const latencyMs = latency ?? DEFAULT_LATENCY_MS;
  return Object.freeze({
    cpu: size.cpu,
    memoryMiB: size.memoryMiB,
    minTasks: minTasks as number,
    maxTasks: maxTasks as number,
    expectedDurationMs: expectedMs,
    acceptableLatencyMs: latencyMs,
    targetBacklogPerTask: targetBacklogPerTask(latencyMs, expectedMs, job.concurrency ?? 1),
    stopTimeoutMs: stop ?? MAX_STOP_TIMEOUT_MS,
    heartbeat: heartbeat as boolean,
  });
}

/**
 * The backlog per task to keep (AWS's guidance for scaling on an SQS queue: the acceptable
 * latency over the time one message takes): a task working `concurrency` jobs at once clears
 * `latency ÷ duration × concurrency` messages within the latency. At least 1: a task with
 * every slot busy leaves the next message waiting a whole job, so one waiting message per
 * task is the least backlog to hold. Rounded to 3 decimals.
 */
export function targetBacklogPerTask(
  acceptableLatencyMs: number,
  expectedDurationMs: number,
  concurrency: number,
): number {
  const target = (acceptableLatencyMs / expectedDurationMs) * concurrency;
  return Math.max(1, Math.round(target * 1_000) / 1_000);
}

/** The task's CPU and memory, checked against Fargate's table; undefined (problem recorded) when invalid. */
function taskSize(
  cpu: unknown,
  memory: unknown,
  problems: string[],
): { cpu: FargateCpu; memoryMiB: number } | undefined {
  if (cpu !== undefined && !CPU_VALUES.includes(cpu as number)) {
    problems.push(
      `container.cpu ${describeValue(cpu)} is not one of Fargate's CPU sizes: ${CPU_VALUES.join(", ")} (1024 = 1 vCPU)`,
    );
    return undefined;
  }
  if (memory !== undefined && !isIntegerIn(memory, 1, Number.POSITIVE_INFINITY)) {
    problems.push(`container.memory ${describeValue(memory)} is not a whole number of MiB`);
    return undefined;
  }
  if (cpu === undefined && memory === undefined) {
    return { cpu: DEFAULT_CPU, memoryMiB: 2 * DEFAULT_CPU };
  }
  if (cpu === undefined) {
    const fit = fargate.taskSizes.find((s) => s.memoryMiB.includes(memory as number));
    if (!fit) {
      problems.push(
        `container.memory ${memory as number} MiB is not a memory size Fargate offers with any CPU: ${allowedList()}`,
      );
      return undefined;
    }
    return { cpu: fit.cpu as FargateCpu, memoryMiB: memory as number };
  }
  const row = fargate.taskSizes.find((s) => s.cpu === cpu)!;
  if (memory === undefined) return { cpu: cpu as FargateCpu, memoryMiB: row.memoryMiB[0]! };
  if (!row.memoryMiB.includes(memory as number)) {
    const fits = fargate.taskSizes.filter((s) => s.memoryMiB.includes(memory as number));
    const hint =
      fits.length > 0 ? `; ${memory} MiB goes with cpu ${fits.map((s) => s.cpu).join(" or ")}` : "";
    problems.push(
      `container.memory ${memory as number} MiB is not valid with container.cpu ${cpu as number} on Fargate: cpu ${cpu as number} allows ${memoryRange(row.memoryMiB)} MiB${hint}`,
    );
    return undefined;
  }
  return { cpu: cpu as FargateCpu, memoryMiB: memory as number };
}

/** `512, 1024 or 2048`, or `4096 to 16384 in steps of 1024`. */
function memoryRange(values: ReadonlyArray<number>): string {
  if (values.length <= 3) {
    return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
  }
  return `${values[0]} to ${values[values.length - 1]} in steps of ${values[1]! - values[0]!}`;
}

function allowedList(): string {
  return fargate.taskSizes.map((s) => `cpu ${s.cpu}: ${memoryRange(s.memoryMiB)}`).join("; ");
}

/** A duration option in ms; undefined when not given or not a duration (its problem recorded). */
function duration(value: unknown, option: string, problems: string[]): number | undefined {
  return value === undefined ? undefined : collect(problems, () => parseDuration(value, option));
}
