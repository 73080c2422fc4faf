import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";

/**
 * SIGINT / SIGTERM: stop receiving, let running batches finish (up to their
 * timeout), close what `stop` closes, exit 0. A second signal exits at once
 * with 130 (what has not finished is retried after its visibility timeout).
 */
export function exitOnSignals(
  stop: () => Promise<void>,
  logger: Logger = silentLogger,
): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now; unfinished jobs will be retried");
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing running jobs");
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ error: String(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
