/**
 * How much a job's worker may log. A handler that logs in a loop (200 MB
 * through `ctx.logger` or `console.log`) would otherwise fill the threads
 * between it and the log with copies, and keep the thread that serves HTTP
 * writing them. Lines are counted alike whether they come from `ctx.logger`
 * or from `console.*` / `process.stdout`; the limits are far above what an
 * app logs to be read (Lambda's own log pipeline is meant for the same).
 */
export interface LogLimits {
  /** Lines each of a job's workers may log per second. @defaultValue 1000 */
  linesPerSecond: number;
  /** Characters (message and fields) each of a job's workers may log per second. @defaultValue 1048576 */
  charsPerSecond: number;
  /** The longest line kept: a longer one is cut, saying how much was. @defaultValue 16384 */
  maxLineChars: number;
}

export const DEFAULT_LOG_LIMITS: Readonly<LogLimits> = Object.freeze({
  linesPerSecond: 1000,
  charsPerSecond: 1024 * 1024,
  maxLineChars: 16 * 1024,
});

/** The window the per-second limits are counted in. */
export const LOG_WINDOW_MS = 1000;

const count = (n: number) => n.toLocaleString("en-US");

/**
 * A worker's allowance of log lines for the current window. When a line does
 * not fit, it is dropped and counted, and `exhausted` is called (once per
 * window): the runtime answers with a new window (`renew`) once a second has
 * passed on its clock since the last began. A worker cannot log faster, and
 * what it cannot log costs a counter, nothing else.
 */
export class LogAllowance {
  readonly #limits: LogLimits;
  readonly #exhausted: () => void;
  /** Whether the next window was asked for in this one. */
  #asked = false;
  #lines: number;
  #chars: number;
  #droppedLines = 0;
  #over: "lines" | "characters" | undefined;

  constructor(limits: LogLimits, exhausted: () => void) {
    this.#limits = limits;
    this.#exhausted = exhausted;
    this.#lines = limits.linesPerSecond;
    this.#chars = limits.charsPerSecond;
  }

  /** Whether this window's allowance is spent: every line is dropped until the next. */
  get closed(): boolean {
    return this.#over !== undefined;
  }

  /** Whether `lines` lines of `chars` characters may be logged now; if not, they are counted as dropped. */
  take(lines: number, chars: number): boolean {
    if (this.#over === undefined && lines <= this.#lines && chars <= this.#chars) {
      this.#lines -= lines;
      this.#chars -= chars;
      // Half spent: the next window is asked for now, so that a worker logging below the
      // limit gets it before it runs out (the runtime grants it once this one has ended).
      if (
        this.#lines * 2 < this.#limits.linesPerSecond ||
        this.#chars * 2 < this.#limits.charsPerSecond
      ) {
        this.#ask();
      }
      return true;
    }
    if (this.#over === undefined) {
      this.#over = lines > this.#lines ? "lines" : "characters";
      this.#ask();
    }
    this.#droppedLines += lines;
    return false;
  }

  /**
   * Starts a new window. Returns the note for the lines the last one dropped, or undefined if
   * it dropped none.
   */
  renew(jobName: string): string | undefined {
    const dropped = this.#droppedLines;
    const over = this.#over;
    this.#lines = this.#limits.linesPerSecond;
    this.#chars = this.#limits.charsPerSecond;
    this.#droppedLines = 0;
    this.#over = undefined;
    this.#asked = false;
    if (dropped === 0) return undefined;
    const limit =
      over === "lines"
        ? `${count(this.#limits.linesPerSecond)} lines/s`
        : `${count(this.#limits.charsPerSecond)} characters/s`;
    return `[offload: ${count(dropped)} log lines dropped from job ${jobName}, over ${limit}]`;
  }

  /** Asks the runtime for the next window, once per window. */
  #ask(): void {
    if (this.#asked) return;
    this.#asked = true;
    this.#exhausted();
  }
}

/**
 * `text` as it is if it has at most `keep` characters; else its first `keep`, saying how many
 * were cut and the line limit (`max`) that cut them.
 */
export function cutLine(text: string, keep: number, max: number): string {
  if (text.length <= keep) return text;
  const kept = Math.max(0, keep);
  return `${text.slice(0, kept)}… [offload: ${count(text.length - kept)} characters cut, over ${count(max)} per line]`;
}
