import { defineJob } from "offload";
import { z } from "zod";

/** Share of runs that fail, to show retries (OFFLOAD_DEMO_EMAIL_FAILURE_RATE, 0 to 1). */
const failureRate = Number(process.env.OFFLOAD_DEMO_EMAIL_FAILURE_RATE ?? "0.3");
if (!(failureRate >= 0 && failureRate <= 1)) {
  throw new Error(
    `OFFLOAD_DEMO_EMAIL_FAILURE_RATE must be a number from 0 to 1; got ${JSON.stringify(process.env.OFFLOAD_DEMO_EMAIL_FAILURE_RATE)}`,
  );
}

// Logs the email it would send; fails now and then, as a mail provider does.
export default defineJob({
  schema: z.object({
    email: z.email("email must be an email address"),
    name: z.string().trim().min(1, "name is required"),
  }),
  timeout: "5s",
  retryDelay: "30s",
  handler: async ({ email, name }, ctx) => {
    if (Math.random() < failureRate) {
      throw new Error(
        `The mail provider refused the message to ${email} (simulated, attempt ${ctx.attempt})`,
      );
    }
    ctx.logger.info(
      { to: email, subject: `Welcome, ${name}!` },
      `Sent a welcome email to ${email}`,
    );
  },
});
