import { describe, expect, it } from "vitest";
import { targetBacklogPerTask } from "../../src/core/container-options.js";
import { InvalidJobOptionsError, resolveJobOptions } from "../../src/core/job-options.js";

const handler = async () => {};

function container(options: Record<string, unknown>, job: Record<string, unknown> = {}) {
  return resolveJobOptions({ handler, runtime: "container", container: options, ...job }).resolved
    .container;
}

function problemsOf(options: Record<string, unknown>): ReadonlyArray<string> {
  try {
    resolveJobOptions({ handler, ...options });
  } catch (e) {
    if (e instanceof InvalidJobOptionsError) return e.problems;
    throw e;
  }
  throw new Error("expected InvalidJobOptionsError");
}

function problemOf(containerOptions: unknown, job: Record<string, unknown> = {}): string {
  const problems = problemsOf({ runtime: "container", container: containerOptions, ...job });
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe("container options", () => {
  it("resolves every option given", () => {
    expect(
      container(
        {
          cpu: 2048,
          memory: 16_384,
          minTasks: 1,
          maxTasks: 40,
          expectedDuration: "30s",
          acceptableLatency: "5m",
          stopTimeout: "90s",
          heartbeat: false,
        },
        { concurrency: 4, timeout: "1m" },
      ),
    ).toEqual({
      cpu: 2048,
      memoryMiB: 16_384,
      minTasks: 1,
      maxTasks: 40,
      expectedDurationMs: 30_000,
      acceptableLatencyMs: 300_000,
      // 5m ÷ 30s × 4 jobs at once
      targetBacklogPerTask: 40,
      stopTimeoutMs: 90_000,
      heartbeat: false,
    });
  });

  it("defaults memory to the smallest Fargate allows with the cpu, and cpu to the smallest that allows the memory", () => {
    expect(container({ cpu: 256 })).toMatchObject({ cpu: 256, memoryMiB: 512 });
    expect(container({ cpu: 16_384 })).toMatchObject({ cpu: 16_384, memoryMiB: 32_768 });
    expect(container({ memory: 3072 })).toMatchObject({ cpu: 512, memoryMiB: 3072 });
    expect(container({ memory: 30_720 })).toMatchObject({ cpu: 4096, memoryMiB: 30_720 });
    expect(container({ memory: 65_536 })).toMatchObject({ cpu: 16_384, memoryMiB: 65_536 });
  });

  it("is undefined for a Lambda job and refused on one", () => {
    expect(resolveJobOptions({ handler }).resolved.container).toBeUndefined();
    expect(problemsOf({ container: { cpu: 1024 } })).toEqual([
      'container is given but runtime is "lambda": the container options apply to runtime "container" jobs only (add runtime: "container", or remove container)',
    ]);
  });

  it("refuses a cpu Fargate does not offer", () => {
    expect(problemOf({ cpu: 300 })).toBe(
      "container.cpu 300 is not one of Fargate's CPU sizes: 256, 512, 1024, 2048, 4096, 8192, 16384 (1024 = 1 vCPU)",
    );
    expect(problemOf({ cpu: "1 vCPU" })).toBe(
      `container.cpu "1 vCPU" is not one of Fargate's CPU sizes: 256, 512, 1024, 2048, 4096, 8192, 16384 (1024 = 1 vCPU)`,
    );
  });

  it("refuses a memory that does not go with the cpu, naming what does", () => {
    expect(problemOf({ cpu: 256, memory: 4096 })).toBe(
      "container.memory 4096 MiB is not valid with container.cpu 256 on Fargate: cpu 256 allows 512, 1024 or 2048 MiB; 4096 MiB goes with cpu 512 or 1024 or 2048",
    );
    expect(problemOf({ cpu: 2048, memory: 2048 })).toBe(
      "container.memory 2048 MiB is not valid with container.cpu 2048 on Fargate: cpu 2048 allows 4096 to 16384 in steps of 1024 MiB; 2048 MiB goes with cpu 256 or 512 or 1024",
    );
    // 8 vCPU takes memory in 4 GiB steps only.
    expect(problemOf({ cpu: 8192, memory: 17_408 })).toBe(
      "container.memory 17408 MiB is not valid with container.cpu 8192 on Fargate: cpu 8192 allows 16384 to 61440 in steps of 4096 MiB; 17408 MiB goes with cpu 4096",
    );
    expect(problemOf({ memory: 1536 })).toMatch(
      /^container\.memory 1536 MiB is not a memory size Fargate offers with any CPU: cpu 256: 512, 1024 or 2048; cpu 512: 1024 to 4096 in steps of 1024; /,
    );
    expect(problemOf({ memory: 1.5 })).toBe("container.memory 1.5 is not a whole number of MiB");
  });

  it("checks the task counts", () => {
    expect(problemOf({ minTasks: -1 })).toBe(
      "container.minTasks -1 is not an integer from 0 to 5,000 (0 scales to zero when the queue is empty)",
    );
    expect(problemOf({ maxTasks: 0 })).toBe(
      "container.maxTasks 0 is not an integer from 1 to 5,000 (ECS's limit of tasks per service)",
    );
    expect(problemOf({ minTasks: 3, maxTasks: 2 })).toBe(
      "container.minTasks 3 is above container.maxTasks 2: the service scales between them",
    );
  });

  it("checks the durations", () => {
    expect(problemOf({ expectedDuration: "20s" }, { timeout: "10s" })).toBe(
      "container.expectedDuration 20s is longer than timeout 10s: a job expected to run past its timeout would always be stopped",
    );
    expect(problemOf({ expectedDuration: "0s" })).toBe(
      "container.expectedDuration 0s is not above 0: how long one job usually takes",
    );
    expect(problemOf({ acceptableLatency: "500ms" })).toBe(
      "container.acceptableLatency 500ms is below 1s: how long a job may wait for a task",
    );
    for (const stopTimeout of ["121s", "0s", "1500ms"]) {
      expect(problemOf({ stopTimeout })).toBe(
        `container.stopTimeout ${stopTimeout} is not whole seconds from 1s to 120s: Fargate gives a container at most 120 seconds between SIGTERM and SIGKILL`,
      );
    }
    expect(problemOf({ stopTimeout: 30 })).toMatch(/^container\.stopTimeout 30 is a number/);
    expect(problemOf({ heartbeat: "yes" })).toBe('container.heartbeat "yes" is not true or false');
  });

  it("names unknown options and refuses a container that is not an object", () => {
    expect(problemOf({ cpus: 512 })).toBe(
      "unknown option container.cpus: container's options are cpu, memory, minTasks, maxTasks, expectedDuration, acceptableLatency, stopTimeout, heartbeat",
    );
    expect(problemOf(true)).toBe(
      "container true is not an object: write e.g. { cpu: 1024, memory: 2048, maxTasks: 5 }",
    );
  });

  it("keeps at least one waiting message per task as the target backlog", () => {
    // A 15 s job, 1 minute of latency, 5 at once: each task clears 20 messages a minute.
    expect(targetBacklogPerTask(60_000, 15_000, 5)).toBe(20);
    // A 2-hour job: any waiting message is worth a task.
    expect(targetBacklogPerTask(60_000, 7_200_000, 5)).toBe(1);
    expect(targetBacklogPerTask(60_000, 45_000, 1)).toBe(1.333);
  });
});
