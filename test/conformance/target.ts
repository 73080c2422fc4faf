import type { SnsApi } from "../../src/engine/sns/types.js";
import type { SqsApi } from "../../src/engine/sqs/types.js";

/**
 * What the conformance suite needs from a target: the SQS and SNS APIs in the
 * AWS SDK's shapes. The engine in-process implements them directly; the wire
 * endpoint and moto are reached through the AWS SDK behind the same interface.
 */
export interface ConformanceTarget {
  readonly name: string;
  readonly sqs: SqsApi;
  readonly sns: SnsApi;
  /**
   * Moves the target's clock forward. Only targets whose clock can be moved
   * (the engine) have it; tests that need time to pass are skipped elsewhere,
   * since tests never wait on real time.
   */
  readonly advance?: (ms: number) => Promise<void>;
  /** Resolves when background work (message move tasks) has caught up. */
  readonly settle?: () => Promise<void>;
  /** Whether the target implements message move tasks (moto does not). */
  readonly moveTasks: boolean;
  close(): Promise<void>;
}
