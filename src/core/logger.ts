/** A log method in pino's shape: fields first, then the message; or the message alone. */
export interface LogFn {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

/** What offload logs through. pino's loggers fit as they are. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};

/** Discards everything: the default where no logger is given. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
