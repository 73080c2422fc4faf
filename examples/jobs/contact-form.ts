import { defineJob } from "offload";
import { z } from "zod";

// Processes what the Next.js form handler (examples/nextjs-work-queue/route.ts)
// sent with SendMessageCommand straight to this job's queue.
export default defineJob({
  schema: z.object({ email: z.string().email(), message: z.string().min(1) }),
  timeout: "5s",
  handler: async ({ email, message }, ctx) => {
    ctx.logger.info(
      { from: email, length: message.length },
      `Received a contact form from ${email}`,
    );
  },
});
