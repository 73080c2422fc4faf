import { OffloadError } from "../core/errors.js";

/** A command given arguments it cannot take: the CLI exits 2, as for commander's own usage errors. */
export class UsageError extends OffloadError {
  override name = "UsageError";
}

/**
 * Errors the CLI answers with exit code 2: a usage error, or a config file or environment
 * variable it cannot use (as a bad flag is: `OFFLOAD_PORT=abc` as `--port abc`).
 */
export function isUsageError(error: Error): boolean {
  return (
    error instanceof UsageError ||
    (error instanceof OffloadError &&
      (error.code === "InvalidConfig" || error.code === "ConfigMissing"))
  );
}
