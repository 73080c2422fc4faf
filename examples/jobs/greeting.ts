import { defineJob } from "offload";
import { z } from "zod";

// The "hello world" of the SNS → SQS → Lambda design: greet a friend; fail on
// request, to watch a retry and, after maxAttempts, the dead-letter queue.
export default defineJob({
  schema: z.object({
    friendName: z.string().min(1),
    shouldFail: z.boolean().optional(),
  }),
  timeout: "2s",
  maxAttempts: 3,
  handler: async ({ friendName, shouldFail }, ctx) => {
    if (shouldFail) throw new Error(`Failed to greet ${friendName} (shouldFail was set)`);
    ctx.logger.info({ friendName }, `Hello, ${friendName}!`);
  },
});
