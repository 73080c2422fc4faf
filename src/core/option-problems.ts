import { OffloadError } from "./errors.js";

/**
 * Runs `parse`; an OffloadError it throws becomes a problem, one line in `problems`, so an
 * options check lists every problem at once. Other errors are thrown on.
 */
export function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof OffloadError)) throw e;
    problems.push(e.message);
    return undefined;
  }
}

/** Whether `value` is an integer from `min` to `max`. */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}
