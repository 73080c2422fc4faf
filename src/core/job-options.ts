import { resolveContainerOptions } from "./container-options.js";
import { describeValue, formatDuration, parseDuration } from "./duration.js";
import { OffloadError } from "./errors.js";
import { resolveSchedules } from "./job-schedules.js";
import { DEFAULT_IDEMPOTENCY_WINDOW_MS } from "./job-status.js";
import type { ResolvedJobOptions } from "./job-types.js";
import { AWS_LIMITS } from "./limits.js";
import { collect, isIntegerIn } from "./option-problems.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const { sqs, lambda } = AWS_LIMITS;
const MAX_TIMEOUT_MS = lambda.maxTimeoutSeconds * SECOND;
const MAX_VISIBILITY_MS = sqs.maxVisibilityTimeoutSeconds * SECOND;
/**
 * The shortest retryDelay of a container job with the heartbeat: its messages' visibility is
 * renewed every half of it, so a beat may be at most 5 s late.
 */
const MIN_HEARTBEAT_VISIBILITY_MS = 10_000;

/** A container job's longest timeout: SQS's 12 hours from the receive. */
const MAX_CONTAINER_TIMEOUT_MS = MAX_VISIBILITY_MS;
const MAX_BATCHING_WINDOW_MS = lambda.maxBatchingWindowSeconds * SECOND;
const MAX_DELAY_MS = sqs.maxDelaySeconds * SECOND;
/** CloudWatch's standard metric period (SQS metrics are published per minute). */
const MIN_ALARM_AGE_MS = MINUTE;
/** The DLQ's retention (SQS's maximum): a message is never older than this. */
const MAX_ALARM_AGE_MS = sqs.maxRetentionSeconds * SECOND;

/** AWS: "set the source queue's visibility timeout to at least six times the timeout of your function". */
const ADVISED_RETRY_DELAY_FACTOR = 6;
const DEFAULT_TIMEOUT_MS = 15 * SECOND;
const MAX_IDEMPOTENCY_WINDOW_MS = 14 * 24 * 60 * 60 * SECOND;

// biome-ignore format: one option list, in the order of JobOptions
const KNOWN_OPTIONS = [
  "schema", "handler", "batchHandler", "timeout", "maxAttempts", "retryDelay", "backoff",
  "batchSize", "maxBatchingWindow", "concurrency", "delay", "alarm", "schedule", "timezone",
  "runtime", "idempotencyWindow", "idempotency", "container",
] as const;
const BACKOFF_OPTIONS = ["initialDelay", "maxDelay", "jitter"] as const;
const ALARM_OPTIONS = ["oldestMessageAge", "messages"] as const;
const IDEMPOTENCY_OPTIONS = ["key", "ttl"] as const;

/** Thrown when job options are invalid; `problems` holds one message per problem. */
export class InvalidJobOptionsError extends OffloadError {
  override name = "InvalidJobOptionsError";
  readonly problems: ReadonlyArray<string>;

  constructor(problems: ReadonlyArray<string>) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    const list = problems.map((p) => `- ${p}`).join("\n");
    super("InvalidJobOptions", `Invalid job options (${count}):\n${list}`);
    this.problems = Object.freeze([...problems]);
  }
}

/** A duration option as given (or defaulted): milliseconds, and how to show it in a message. */
interface DurationValue {
  readonly ms: number;
  readonly shown: string;
}

/**
 * Applies defaults to job options and validates them against the limits of
 * Lambda, SQS and CloudWatch. The one place job options are checked.
 *
 * @returns the frozen resolved options and advice that is not an error.
 * @throws InvalidJobOptionsError (code `InvalidJobOptions`) listing every problem, one per line.
 * @example
 * const { resolved, warnings } = resolveJobOptions({ handler, timeout: "30s" });
 * resolved.retryDelayMs; // 180000
 */
export function resolveJobOptions(options: unknown): {
  resolved: ResolvedJobOptions;
  warnings: string[];
} {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidJobOptionsError([
      `job options ${describeValue(options)} are not an object: write defineJob({ handler: async (payload, ctx) => {} })`,
    ]);
  }
  const o = options as Record<string, unknown>;
  const problems: string[] = [];
  const warnings: string[] = [];
  problems.push(...unknownKeys(o, KNOWN_OPTIONS, "option", "the options"));

  checkHandlers(o, problems);
  const hasSchema = checkSchema(o.schema, problems);

  // Read first (its problem is listed in option order, below): it sets the timeout's limit.
  const runtime = orDefault(o.runtime, "lambda");
  const isContainer = runtime === "container";
  // A container job's worker extends its messages' visibility while they run, unless told not to.
  const heartbeat =
    isContainer && (o.container as { heartbeat?: unknown } | null | undefined)?.heartbeat !== false;

  const timeout = durationOption(o.timeout, "timeout", DEFAULT_TIMEOUT_MS, problems);
  checkSeconds(
    "timeout",
    timeout,
    problems,
    isContainer ? CONTAINER_TIMEOUT_RULE : LAMBDA_TIMEOUT_RULE,
  );

  const window = durationOption(o.maxBatchingWindow, "maxBatchingWindow", 0, problems);
  const windowValid = checkSeconds("maxBatchingWindow", window, problems, {
    wholeWhy: "Lambda's batching window is whole seconds from 0 to 300",
    maxMs: MAX_BATCHING_WINDOW_MS,
    aboveWhy: "Lambda's maximum batching window is 300 seconds",
  });

  // A message can be held for the whole batching window before its batch starts, then run for
  // the whole timeout: its visibility timeout must cover both (AWS: 6 × timeout + window).
  const windowMs = windowValid && window ? window.ms : 0;
  const windowShown = windowMs > 0 && window ? ` + maxBatchingWindow ${window.shown}` : "";
  const advisedMs = timeout ? timeout.ms * ADVISED_RETRY_DELAY_FACTOR + windowMs : undefined;
  // With the heartbeat a container job's retryDelay need not cover the timeout; by default it
  // is Lambda's advice, within SQS's 12 h.
  const defaultRetryMs =
    isContainer && advisedMs !== undefined
      ? Math.max(MIN_HEARTBEAT_VISIBILITY_MS, Math.min(advisedMs, MAX_VISIBILITY_MS))
      : advisedMs;
  const retryDelay =
    o.retryDelay === undefined && defaultRetryMs === undefined
      ? undefined
      : durationOption(o.retryDelay, "retryDelay", defaultRetryMs ?? 0, problems);
  const retryDelayValid = checkSeconds("retryDelay", retryDelay, problems, VISIBILITY_RULE);
  if (retryDelayValid && retryDelay && heartbeat && retryDelay.ms < MIN_HEARTBEAT_VISIBILITY_MS) {
    problems.push(
      `retryDelay ${retryDelay.shown} is below ${formatDuration(MIN_HEARTBEAT_VISIBILITY_MS)}: a container job's retryDelay is its queue's visibility timeout, which its worker renews each time half of it has passed while the job runs; shorter, one late renewal lets the message be received again while the job still runs`,
    );
  }
  if (retryDelayValid && retryDelay && !heartbeat) {
    if (timeout && retryDelay.ms < timeout.ms + windowMs) {
      problems.push(
        windowMs > 0
          ? `retryDelay ${retryDelay.shown} is shorter than timeout ${timeout.shown}${windowShown} (${formatDuration(timeout.ms + windowMs)}): a message held for the batching window would become visible while its batch still runs`
          : `retryDelay ${retryDelay.shown} is shorter than timeout ${timeout.shown}: a message would become visible while still running`,
      );
    } else if (timeout && advisedMs !== undefined && retryDelay.ms < advisedMs) {
      warnings.push(
        `retryDelay ${retryDelay.shown} is below 6 × timeout ${timeout.shown}${windowShown} (${formatDuration(advisedMs)}): AWS advises a visibility timeout of at least six times the function timeout${windowMs > 0 ? " plus the batching window" : ""}, so Lambda can retry a throttled batch before its messages become visible again`,
      );
    }
  }

  const maxAttempts = orDefault(o.maxAttempts, 5);
  if (!isIntegerIn(maxAttempts, sqs.minReceiveCount, sqs.maxReceiveCount)) {
    problems.push(
      `maxAttempts ${describeValue(maxAttempts)} is not an integer from ${sqs.minReceiveCount} to ${sqs.maxReceiveCount} (SQS's maxReceiveCount)`,
    );
  }

  const batchSize = orDefault(o.batchSize, 5);
  if (!isIntegerIn(batchSize, 1, Number.POSITIVE_INFINITY)) {
    problems.push(`batchSize ${describeValue(batchSize)} is not an integer of at least 1`);
  } else if ((window === undefined || window.ms > 0) && batchSize > lambda.maxBatchSizeWithWindow) {
    // An invalid window counts as a window: its own problem is reported already.
    problems.push(
      `batchSize ${batchSize} is above ${lambda.maxBatchSizeWithWindow}: with maxBatchingWindow a batch holds 1 to ${lambda.maxBatchSizeWithWindow.toLocaleString("en-US")} messages`,
    );
  } else if (window?.ms === 0 && batchSize > lambda.maxBatchSize) {
    problems.push(
      `batchSize ${batchSize} is above ${lambda.maxBatchSize}: without maxBatchingWindow a batch holds 1 to ${lambda.maxBatchSize} messages`,
    );
  }

  const concurrency = orDefault(o.concurrency, 5);
  if (
    !isIntegerIn(concurrency, lambda.minEventSourceConcurrency, lambda.maxEventSourceConcurrency)
  ) {
    problems.push(
      `concurrency ${describeValue(concurrency)} is not an integer from ${lambda.minEventSourceConcurrency} to ${lambda.maxEventSourceConcurrency}: the range of a Lambda SQS event source's maximum concurrency`,
    );
  }

  const delay = durationOption(o.delay, "delay", 0, problems);
  checkSeconds("delay", delay, problems, {
    wholeWhy: "SQS delays are whole seconds from 0 to 900",
    maxMs: MAX_DELAY_MS,
    aboveWhy:
      "SQS delays a message at most 900 seconds (DelaySeconds); pass a longer delay to send() instead",
  });

  const idempotencyWindow = durationOption(
    o.idempotencyWindow,
    "idempotencyWindow",
    DEFAULT_IDEMPOTENCY_WINDOW_MS,
    problems,
  );
  if (
    idempotencyWindow &&
    (idempotencyWindow.ms < SECOND || idempotencyWindow.ms > MAX_IDEMPOTENCY_WINDOW_MS)
  ) {
    problems.push(
      `idempotencyWindow ${idempotencyWindow.shown} is not from 1s to 14d: how long a send's idempotencyKey holds, at most as long as a job can live (a DLQ keeps it 14 days)`,
    );
  }

  const idempotency =
    o.idempotency === undefined ? undefined : resolveIdempotency(o, timeout, problems);

  const backoff = o.backoff === undefined ? undefined : resolveBackoff(o.backoff, problems);
  const alarm = resolveAlarm(orDefault(o.alarm, { oldestMessageAge: "15m" }), problems);

  const schema = hasSchema ? (o.schema as StandardSchemaV1) : undefined;
  const schedules = resolveSchedules(o.schedule, o.timezone, schema, problems);

  if (runtime !== "lambda" && runtime !== "container") {
    problems.push(`runtime ${describeValue(runtime)} is not "lambda" or "container"`);
  }
  const container = resolveContainerOptions(
    o.container,
    {
      runtime,
      timeoutMs: timeout?.ms,
      concurrency: typeof concurrency === "number" ? concurrency : undefined,
    },
    problems,
  );

  if (problems.length > 0) throw new InvalidJobOptionsError(problems);

  const resolved: ResolvedJobOptions = Object.freeze({
    timeoutMs: timeout!.ms,
    maxAttempts: maxAttempts as number,
    retryDelayMs: retryDelay!.ms,
    backoff,
    batchSize: batchSize as number,
    maxBatchingWindowMs: window!.ms,
    concurrency: concurrency as number,
    delayMs: delay!.ms,
    alarm: alarm!,
    schedules,
    runtime: runtime as "lambda" | "container",
    idempotencyWindowMs: idempotencyWindow!.ms,
    idempotency,
    container,
  });
  return { resolved, warnings };
}

/** A Lambda job's timeout: its function's, whole seconds from 1 to 900. */
const LAMBDA_TIMEOUT_RULE: SecondsRule = {
  minMs: SECOND,
  belowWhy: "Lambda timeouts are whole seconds from 1 to 900",
  wholeWhy: "Lambda timeouts are whole seconds from 1 to 900",
  maxMs: MAX_TIMEOUT_MS,
  aboveWhy: `Lambda's maximum timeout is 900 seconds (runtime: "container" runs jobs up to ${formatDuration(MAX_CONTAINER_TIMEOUT_MS)})`,
};

/**
 * A container job's timeout: whole seconds up to 12 hours, as SQS hides a received message at
 * most 12 hours from its receive (the visibility heartbeat cannot extend it further).
 */
const CONTAINER_TIMEOUT_RULE: SecondsRule = {
  minMs: SECOND,
  belowWhy: "timeouts are whole seconds of at least 1",
  wholeWhy: "timeouts are whole seconds",
  maxMs: MAX_CONTAINER_TIMEOUT_MS,
  aboveWhy:
    "a container job runs at most 12 hours: SQS hides a received message at most 12 hours from its receive",
};

/** Visibility timeouts (retryDelay, backoff): whole seconds up to SQS's maximum. */
const VISIBILITY_RULE: SecondsRule = {
  wholeWhy: "SQS visibility timeouts are whole seconds",
  maxMs: MAX_VISIBILITY_MS,
  aboveWhy: "SQS's maximum visibility timeout is 12 hours",
};

function resolveBackoff(value: unknown, problems: string[]): ResolvedJobOptions["backoff"] {
  if (!isPlainObject(value)) {
    problems.push(
      `backoff ${describeValue(value)} is not an object: write e.g. { initialDelay: "1s" }`,
    );
    return undefined;
  }
  problems.push(...unknownKeys(value, BACKOFF_OPTIONS, "option backoff.", "backoff's options"));
  let initial: DurationValue | undefined;
  if (value.initialDelay === undefined) {
    problems.push(`backoff.initialDelay is missing: the delay after the first failure, e.g. "1s"`);
  } else {
    initial = durationOption(value.initialDelay, "backoff.initialDelay", 0, problems);
    const rule = {
      ...VISIBILITY_RULE,
      minMs: SECOND,
      belowWhy: "a backoff starts at 1 second or more (visibility timeouts are whole seconds)",
    };
    if (!checkSeconds("backoff.initialDelay", initial, problems, rule)) initial = undefined;
  }
  const max = durationOption(value.maxDelay, "backoff.maxDelay", MAX_VISIBILITY_MS, problems);
  if (checkSeconds("backoff.maxDelay", max, problems, VISIBILITY_RULE) && max) {
    if (initial && max.ms < initial.ms) {
      problems.push(
        `backoff.maxDelay ${max.shown} is shorter than backoff.initialDelay ${initial.shown}: the longest delay cannot be shorter than the first`,
      );
    }
  }
  const jitter = orDefault(value.jitter, "full");
  if (jitter !== "full" && jitter !== "none") {
    problems.push(`backoff.jitter ${describeValue(jitter)} is not "full" or "none"`);
  }
  if (!initial || !max) return undefined;
  return Object.freeze({
    initialDelayMs: initial.ms,
    maxDelayMs: max.ms,
    jitter: jitter as "full" | "none",
  });
}

function resolveIdempotency(
  o: Record<string, unknown>,
  timeout: DurationValue | undefined,
  problems: string[],
): ResolvedJobOptions["idempotency"] {
  const value = o.idempotency;
  if (!isPlainObject(value)) {
    problems.push(
      `idempotency ${describeValue(value)} is not an object: write e.g. { ttl: "1h" } or { key: (payload) => payload.orderId, ttl: "1h" }`,
    );
    return undefined;
  }
  if (o.batchHandler !== undefined) {
    problems.push(
      "idempotency is given with batchHandler: it applies to handler jobs only (a batch handler returns no result per job to keep); make the batch handler's work idempotent itself, or use handler",
    );
  }
  problems.push(
    ...unknownKeys(value, IDEMPOTENCY_OPTIONS, "option idempotency.", "idempotency's options"),
  );
  const { key } = value;
  if (key !== undefined && typeof key !== "function") {
    problems.push(
      `idempotency.key ${describeValue(key)} is not a function: write e.g. key: (payload) => payload.orderId (or leave it out: the job's id is the key)`,
    );
  }
  let ttl: DurationValue | undefined;
  if (value.ttl === undefined) {
    problems.push(
      'idempotency.ttl is missing: how long a result answers for its key, from 1s to 14d, e.g. "1h"',
    );
  } else {
    ttl = durationOption(value.ttl, "idempotency.ttl", 0, problems);
    if (ttl && (ttl.ms < SECOND || ttl.ms > MAX_IDEMPOTENCY_WINDOW_MS)) {
      problems.push(
        `idempotency.ttl ${ttl.shown} is not from 1s to 14d: how long a result answers for its key, at most as long as a duplicate can come (a DLQ keeps a message 14 days)`,
      );
      ttl = undefined;
    } else if (ttl && timeout && ttl.ms < timeout.ms) {
      problems.push(
        `idempotency.ttl ${ttl.shown} is shorter than timeout ${timeout.shown}: a result must answer at least as long as an attempt may run, or a duplicate waiting on it would run again`,
      );
      ttl = undefined;
    }
  }
  if (!ttl) return undefined;
  return Object.freeze({
    key: typeof key === "function" ? (key as (payload: unknown) => string) : undefined,
    ttlMs: ttl.ms,
  });
}

function resolveAlarm(value: unknown, problems: string[]): ResolvedJobOptions["alarm"] | undefined {
  const example = 'write { oldestMessageAge: "15m" } or { messages: 1 }';
  if (!isPlainObject(value)) {
    problems.push(`alarm ${describeValue(value)} is not an object: ${example}`);
    return undefined;
  }
  problems.push(...unknownKeys(value, ALARM_OPTIONS, "option alarm.", "alarm's options"));
  const { oldestMessageAge, messages } = value;
  if (oldestMessageAge !== undefined && messages !== undefined) {
    problems.push(
      `alarm ${describeValue(value)} has both oldestMessageAge and messages: give exactly one`,
    );
    return undefined;
  }
  if (messages !== undefined) {
    if (!isIntegerIn(messages, 1, Number.POSITIVE_INFINITY)) {
      problems.push(`alarm.messages ${describeValue(messages)} is not an integer of at least 1`);
      return undefined;
    }
    return Object.freeze({ kind: "messages", count: messages as number });
  }
  if (oldestMessageAge === undefined) {
    problems.push(
      `alarm ${describeValue(value)} has neither oldestMessageAge nor messages: ${example}`,
    );
    return undefined;
  }
  const age = durationOption(oldestMessageAge, "alarm.oldestMessageAge", 0, problems);
  const valid = checkSeconds("alarm.oldestMessageAge", age, problems, {
    minMs: MIN_ALARM_AGE_MS,
    belowWhy: "CloudWatch evaluates the DLQ's metrics once a minute (a 60-second period)",
    wholeWhy: "CloudWatch measures a message's age in seconds",
    maxMs: MAX_ALARM_AGE_MS,
    aboveWhy: "the DLQ keeps a message at most 14 days, so the alarm could never fire",
  });
  if (!valid || !age) return undefined;
  return Object.freeze({ kind: "oldestMessageAge", seconds: age.ms / SECOND });
}

function checkHandlers(o: Record<string, unknown>, problems: string[]): void {
  const { handler, batchHandler } = o;
  if (handler === undefined && batchHandler === undefined) {
    problems.push("handler is missing: give handler(payload, ctx) or batchHandler(jobs, ctx)");
  } else if (handler !== undefined && batchHandler !== undefined) {
    problems.push("handler and batchHandler are both given: give exactly one");
  } else if (handler !== undefined && typeof handler !== "function") {
    problems.push(`handler ${describeValue(handler)} is not a function`);
  } else if (batchHandler !== undefined && typeof batchHandler !== "function") {
    problems.push(`batchHandler ${describeValue(batchHandler)} is not a function`);
  }
}

type MaybeStandardSchema = { "~standard"?: { version?: unknown; validate?: unknown } };

/** Whether `schema` is a Standard Schema (false, with a problem recorded, when given but not one). */
function checkSchema(schema: unknown, problems: string[]): boolean {
  if (schema === undefined) return false;
  // Not only objects qualify: arktype's schemas are functions.
  const props = (schema as MaybeStandardSchema | null)?.["~standard"];
  if (props?.version !== 1 || typeof props.validate !== "function") {
    problems.push(
      `schema ${describeValue(schema)} is not a Standard Schema v1 (standardschema.dev; zod 4, valibot and arktype schemas are)`,
    );
    return false;
  }
  return true;
}

/** Parses a duration option; `undefined` (with a problem recorded) when it is not a duration. */
function durationOption(
  value: unknown,
  option: string,
  defaultMs: number,
  problems: string[],
): DurationValue | undefined {
  if (value === undefined) return { ms: defaultMs, shown: formatDuration(defaultMs) };
  return collect(problems, () => ({ ms: parseDuration(value, option), shown: String(value) }));
}

/** Limits of a duration option counted in whole seconds by AWS, each with its reason. */
interface SecondsRule {
  readonly minMs?: number;
  readonly belowWhy?: string;
  readonly wholeWhy: string;
  readonly maxMs: number;
  readonly aboveWhy: string;
}

/**
 * Checks a parsed duration against its rule, recording at most one problem.
 * `false` when it breaks the rule; `true` when it keeps it or did not parse
 * (its problem is recorded already).
 */
function checkSeconds(
  option: string,
  value: DurationValue | undefined,
  problems: string[],
  rule: SecondsRule,
): boolean {
  if (!value) return true;
  let problem: string | undefined;
  if (rule.minMs !== undefined && value.ms < rule.minMs) {
    problem = `below ${formatDuration(rule.minMs)}: ${rule.belowWhy}`;
  } else if (value.ms % SECOND !== 0) {
    problem = `not a whole number of seconds: ${rule.wholeWhy}`;
  } else if (value.ms > rule.maxMs) {
    problem = `above ${formatDuration(rule.maxMs)}: ${rule.aboveWhy}`;
  }
  if (problem) problems.push(`${option} ${value.shown} is ${problem}`);
  return problem === undefined;
}

/** The default for a value not given; `null` is a value (and an error), not "not given". */
function orDefault(value: unknown, fallback: unknown): unknown {
  return value === undefined ? fallback : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Problems for keys not in `known` (typos like `maxAttempt`), with a suggestion. */
function unknownKeys(
  o: Record<string, unknown>,
  known: ReadonlyArray<string>,
  what: string,
  listName: string,
): string[] {
  const problems: string[] = [];
  const separator = what.endsWith(".") ? "" : " ";
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const suggestion = known.find(
      (k) => k.toLowerCase() === key.toLowerCase() || distance(k, key) <= 2,
    );
    const hint = suggestion ? ` (did you mean ${suggestion}?)` : "";
    problems.push(`unknown ${what}${separator}${key}${hint}: ${listName} are ${known.join(", ")}`);
  }
  return problems;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, substitution);
    }
    row = next;
  }
  return row[b.length]!;
}
