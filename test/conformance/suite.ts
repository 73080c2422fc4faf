import { afterAll, beforeAll, describe } from "vitest";
import { batchCases } from "./cases/batches.js";
import { deadLetterCases } from "./cases/dead-letter.js";
import { messageCases } from "./cases/messages.js";
import { publishCases } from "./cases/publish.js";
import { queueCases } from "./cases/queues.js";
import { receiveCases } from "./cases/receive.js";
import { subscriptionCases } from "./cases/subscriptions.js";
import { topicCases } from "./cases/topics.js";
import { createSuiteContext } from "./context.js";
import type { ConformanceQuirks, ConformanceTarget } from "./target.js";

export type { ConformanceQuirks } from "./target.js";

/**
 * One suite of SQS and SNS behaviour, run unchanged against every target
 * (`engine.test.ts`, `../wire/conformance.test.ts`, `moto.test.ts`). Each case
 * asserts what AWS documents; `quirks` name where a target other than offload
 * is known to differ (DIFFERENCES.md). Queue and topic names are unique per
 * run, so a shared server is fine.
 */
export function defineConformanceSuite(
  label: string,
  open: () => Promise<ConformanceTarget>,
  quirks: ConformanceQuirks = {},
): void {
  describe(`conformance: ${label}`, () => {
    let target: ConformanceTarget | undefined;
    beforeAll(async () => {
      target = await open();
    });
    afterAll(async () => {
      await target?.close();
    });
    const c = createSuiteContext(() => {
      if (!target) throw new Error("the conformance target is not open yet");
      return target;
    }, quirks);

    queueCases(c);
    messageCases(c);
    receiveCases(c);
    batchCases(c);
    deadLetterCases(c);
    topicCases(c);
    subscriptionCases(c);
    publishCases(c);
  });
}
