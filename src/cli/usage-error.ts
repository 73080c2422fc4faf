import { OffloadError } from "../core/errors.js";

/** A command given arguments it cannot take: the CLI exits 2, as for commander's own usage errors. */
export class UsageError extends OffloadError {
  override name = "UsageError";
}
