import { toError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/**
 * What the server does with an error no request's own handling caught (one thrown from a
 * timer, a stream event or a promise nobody awaits): it logs it at error level, with its
 * stack, and keeps serving. An error inside a request is answered there (500, logged by the
 * API); one outside has no request to fail, and ending the process for it would fail every
 * request in flight and stop the jobs, whose state is in the database either way. Before
 * these handlers, Node printed the stack and exited 1.
 *
 * @returns a function that removes the handlers.
 */
export function logUncaughtErrors(logger: Logger): () => void {
  const uncaught = (error: unknown) =>
    logger.error(
      { error: described(error) },
      "an error escaped every handler; it was logged and the server keeps serving",
    );
  const unhandled = (reason: unknown) =>
    logger.error(
      { error: described(reason) },
      "a promise was rejected and nothing handled it; it was logged and the server keeps serving",
    );
  process.on("uncaughtException", uncaught);
  process.on("unhandledRejection", unhandled);
  return () => {
    process.off("uncaughtException", uncaught);
    process.off("unhandledRejection", unhandled);
  };
}

function described(thrown: unknown): Record<string, unknown> {
  const error = toError(thrown);
  return { name: error.name, message: error.message, stack: error.stack };
}
