import type { Logger } from "../core/logger.js";

/** A logger that adds `fields` to every line. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  // Built for every job. Methods, not arrow properties: under tsx (esbuild keepNames) each
  // arrow property gets a name-setting call, which costs more than the rest of this.
  // They use no `this`, so destructuring them from ctx.logger still works.
  return {
    debug(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.debug, fields, a, message);
    },
    info(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.info, fields, a, message);
    },
    warn(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.warn, fields, a, message);
    },
    error(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.error, fields, a, message);
    },
  };
}

function logWithFields(
  fn: Logger["info"],
  fields: Record<string, unknown>,
  a: Record<string, unknown> | string,
  message: string | undefined,
): void {
  if (typeof a === "string") fn({ ...fields }, a);
  else fn({ ...fields, ...a }, message);
}
