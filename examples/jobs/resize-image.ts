import { defineJob } from "offload";
import { z } from "zod";

// The POST /jobs tutorial's task: pretend to resize an image; `fail: true`
// makes it fail every time, so it lands in the DLQ after its attempts.
export default defineJob({
  schema: z.object({
    task: z
      .string({
        error: (issue) =>
          issue.input === undefined ? "task is required" : "task must be a string",
      })
      .min(1, "task is required"),
    fail: z.boolean().optional(),
  }),
  timeout: "2s",
  maxAttempts: 3,
  handler: async ({ task, fail }, ctx) => {
    if (fail) throw new Error(`Resizing failed for task ${task}`);
    ctx.logger.info({ task }, `Resized image for task ${task}`);
  },
});
