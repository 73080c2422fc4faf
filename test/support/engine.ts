import { join } from "node:path";
import { TestClock } from "../../src/core/clock.js";
import { createEngine, type Engine, type EngineOptions } from "../../src/engine/index.js";
import { tempDir } from "./temp.js";

export interface TestEngine {
  engine: Engine;
  clock: TestClock;
  path: string;
  /**
   * Moves the clock and lets timers' follow-up work (commits, wake-ups) run.
   * With `stepMs`, moves in steps, so timers that re-arm after an async commit
   * (move tasks, the sweeper) fire once per step as they would in real time.
   */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Creates a queue (with these attributes) and resolves with its URL. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

/** The ARN of a test engine's queue (default region and account). */
export const sqsArnOf = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

/** An engine on a real SQLite file in a temp folder, with a TestClock. */
export function openTestEngine(options: Omit<EngineOptions, "path" | "clock"> = {}): TestEngine {
  const { dir, cleanup } = tempDir();
  const clock = new TestClock();
  const path = join(dir, "offload.db");
  const engine = createEngine({ path, clock, durability: "relaxed", ...options });
  return {
    engine,
    clock,
    path,
    async advance(ms, stepMs = ms) {
      let done = 0;
      do {
        const step = Math.min(stepMs, ms - done);
        clock.advance(step);
        await flushEvents();
        done += step;
      } while (done < ms);
    },
    async createQueue(name, attributes = {}) {
      return (await engine.sqs.createQueue({ QueueName: name, Attributes: attributes })).QueueUrl;
    },
    async close() {
      await engine.close();
      cleanup();
    },
  };
}

/** Lets queued commits and the promise chains they settle run to completion. */
export async function flushEvents(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
