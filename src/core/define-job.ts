import { resolveJobOptions } from "./job-options.js";
import {
  type InputOf,
  JOB_BRAND,
  type JobDefinition,
  type JobOptions,
  type PayloadOf,
} from "./job-types.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/**
 * Defines a job: the default export of a file in the app's `jobs/` folder, whose
 * name is the job's name. Options are validated here, once, so a mistake fails
 * when the job is loaded rather than when its first message arrives.
 *
 * @throws InvalidJobOptionsError (code `InvalidJobOptions`) listing every problem, one per line.
 * @example
 * // jobs/send-welcome-email.ts
 * export default defineJob({
 *   schema: z.object({ email: z.string().email() }),
 *   timeout: "30s",
 *   handler: async (payload, ctx) => {
 *     await mailer.send(payload.email, "Welcome!", { signal: ctx.signal });
 *   },
 * });
 */
export function defineJob<S extends StandardSchemaV1 | undefined = undefined>(
  options: JobOptions<S>,
): JobDefinition<PayloadOf<S>, InputOf<S>> {
  const { resolved, warnings } = resolveJobOptions(options);
  return Object.freeze({
    [JOB_BRAND]: true as const,
    options: resolved,
    schema: options.schema,
    handler: options.handler,
    batchHandler: options.batchHandler,
    warnings: Object.freeze(warnings),
  }) as JobDefinition<PayloadOf<S>, InputOf<S>>;
}

/** Whether `value` was made by {@link defineJob}, by this copy of offload or another. */
export function isJobDefinition(value: unknown): value is JobDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [JOB_BRAND]?: unknown })[JOB_BRAND] === true
  );
}
