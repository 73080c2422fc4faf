/**
 * A job's recurring schedules: the `schedule` and `timezone` options resolved
 * into {@link JobSchedule}s, and the deterministic id of each run.
 */

import { describeValue } from "./duration.js";
import { OffloadError } from "./errors.js";
import { MAX_PAYLOAD_BYTES } from "./job-attributes.js";
import type { JobSchedule } from "./job-types.js";
import { collect } from "./option-problems.js";
import { parseSchedule } from "./schedule.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { checkTimeZone } from "./time-zone.js";
import { formatIssues, formatPath } from "./validate-payload.js";

/** A schedule's name: what its runs' job ids and its AWS schedule are named from. */
export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** The name of a job's lone schedule when it gives none. */
export const DEFAULT_SCHEDULE_NAME = "default";

const SCHEDULE_OPTIONS = [
  "expression",
  "name",
  "timezone",
  "payload",
  "start",
  "end",
  "catchUp",
] as const;

const EXAMPLE = 'e.g. "rate(5 minutes)" or { expression: "cron(0 9 * * ? *)", name: "morning" }';

/**
 * Resolves a job's `schedule` and `timezone` options; problems go to `problems`, one line each.
 * A payload is checked against `schema` here when the schema answers synchronously (zod,
 * valibot and arktype do); an async schema's answer is awaited by {@link checkSchedulePayloads}.
 */
export function resolveSchedules(
  schedule: unknown,
  timezone: unknown,
  schema: StandardSchemaV1 | undefined,
  problems: string[],
): ReadonlyArray<JobSchedule> {
  let defaultZone = "UTC";
  if (timezone !== undefined) {
    const zone = collect(problems, () => checkTimeZone(timezone, "timezone"));
    if (zone !== undefined) defaultZone = zone;
  }
  if (schedule === undefined) return Object.freeze([]);
  const items = Array.isArray(schedule) ? (schedule as unknown[]) : [schedule];
  const several = Array.isArray(schedule);
  const schedules: JobSchedule[] = [];
  const names = new Set<string>();
  items.forEach((item, index) => {
    const where = several ? `schedule[${index}]` : "schedule";
    const before = problems.length;
    const resolved = resolveOne(item, where, several && items.length > 1, defaultZone, problems);
    if (!resolved || problems.length > before) return;
    if (names.has(resolved.name)) {
      problems.push(
        `${where} has the name "${resolved.name}" of an earlier schedule: each schedule of a job needs its own name`,
      );
      return;
    }
    names.add(resolved.name);
    checkPayloadSync(resolved, where, schema, problems);
    schedules.push(resolved);
  });
  return Object.freeze(schedules);
}

function resolveOne(
  item: unknown,
  where: string,
  nameRequired: boolean,
  defaultZone: string,
  problems: string[],
): JobSchedule | undefined {
  if (typeof item === "string") {
    if (nameRequired) {
      problems.push(
        `${where} ${JSON.stringify(item)} has no name: when a job has several schedules each needs one, e.g. { expression: ${JSON.stringify(item)}, name: "hourly" }`,
      );
      return undefined;
    }
    const parsed = collect(problems, () => parseSchedule(item));
    if (!parsed) return undefined;
    return freeze({
      name: DEFAULT_SCHEDULE_NAME,
      expression: item,
      schedule: parsed,
      timezone: defaultZone,
      payload: {},
      start: undefined,
      end: undefined,
      catchUp: "once",
    });
  }
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    problems.push(`${where} ${describeValue(item)} is not a string or an object: write ${EXAMPLE}`);
    return undefined;
  }
  const o = item as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(SCHEDULE_OPTIONS as ReadonlyArray<string>).includes(key)) {
      problems.push(
        `unknown option ${where}.${key}: a schedule's options are ${SCHEDULE_OPTIONS.join(", ")}`,
      );
    }
  }
  let parsed: JobSchedule["schedule"] | undefined;
  if (o.expression === undefined) {
    problems.push(`${where}.expression is missing: write ${EXAMPLE}`);
  } else {
    parsed = collect(problems, () => parseSchedule(o.expression as string));
  }
  let name = DEFAULT_SCHEDULE_NAME;
  if (o.name === undefined) {
    if (nameRequired) {
      problems.push(
        `${where}.name is missing: when a job has several schedules each needs a name (${SCHEDULE_NAME_PATTERN.source})`,
      );
    }
  } else if (typeof o.name !== "string" || !SCHEDULE_NAME_PATTERN.test(o.name)) {
    problems.push(
      `${where}.name ${describeValue(o.name)} is not 1 to 32 of letters, digits, "_", "." and "-"`,
    );
  } else {
    name = o.name;
  }
  const zone =
    o.timezone === undefined
      ? defaultZone
      : collect(problems, () => checkTimeZone(o.timezone, `${where}.timezone`));
  const start = dateOption(o.start, `${where}.start`, problems);
  const end = dateOption(o.end, `${where}.end`, problems);
  if (start !== undefined && end !== undefined && end <= start) {
    problems.push(
      `${where}.end ${new Date(end).toISOString()} is not after ${where}.start ${new Date(start).toISOString()}`,
    );
  }
  const catchUp = o.catchUp === undefined ? "once" : o.catchUp;
  if (catchUp !== "once" && catchUp !== "skip") {
    problems.push(
      `${where}.catchUp ${describeValue(catchUp)} is not "once" or "skip": what a run missed while the app was down does`,
    );
  }
  const payload = o.payload === undefined ? {} : payloadCopy(o.payload, where, problems);
  if (!parsed || zone === undefined || payload === undefined) return undefined;
  return freeze({
    name,
    expression: parsed.expression,
    schedule: parsed,
    timezone: zone,
    payload,
    start,
    end,
    catchUp: catchUp as "once" | "skip",
  });
}

/** The payload as JSON would send it (a copy, so later changes to the object do not leak in). */
function payloadCopy(payload: unknown, where: string, problems: string[]): unknown {
  const lossy = notJson(payload, "payload", new Set());
  if (lossy !== undefined) {
    problems.push(
      `${where}.${lossy.path} ${lossy.shown} is no JSON value: JSON would ${lossy.what}; give numbers, strings, booleans, null, arrays and plain objects`,
    );
    return undefined;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    problems.push(`${where}.payload ${describeValue(payload)} is not a JSON value`);
    return undefined;
  }
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > MAX_PAYLOAD_BYTES) {
    problems.push(
      `${where}.payload is ${bytes} bytes as JSON, above ${MAX_PAYLOAD_BYTES} (256 KiB, the largest message and EventBridge Scheduler's largest input)`,
    );
    return undefined;
  }
  return JSON.parse(json) as unknown;
}

/**
 * Where a value would not survive JSON unchanged (NaN becoming null, a Map becoming {}, an
 * undefined property dropped, a cycle or a BigInt throwing), or undefined when it would.
 */
function notJson(
  value: unknown,
  path: string,
  seen: Set<object>,
): { path: string; shown: string; what: string } | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? undefined
      : { path, shown: String(value), what: "turn it into null" };
  }
  if (typeof value !== "object") {
    return { path, shown: typeof value, what: "leave it out or fail on it" };
  }
  if (seen.has(value)) return { path, shown: "(a cycle)", what: "fail on it" };
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
    return { path, shown: `a ${name}`, what: "not keep what it holds" };
  }
  seen.add(value);
  for (const [key, item] of Object.entries(value)) {
    const found = notJson(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen);
    if (found) return found;
  }
  seen.delete(value);
  return undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function dateOption(value: unknown, option: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === "string" && ISO_DATE.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (Number.isNaN(ms)) {
    problems.push(
      `${option} ${value instanceof Date ? "is an invalid Date" : describeValue(value)} is not a Date or an ISO 8601 date with its offset: write e.g. "2026-03-01T00:00:00Z" or "2026-03-01"`,
    );
    return undefined;
  }
  return ms;
}

function checkPayloadSync(
  resolved: JobSchedule,
  where: string,
  schema: StandardSchemaV1 | undefined,
  problems: string[],
): void {
  const validate = schema?.["~standard"]?.validate;
  if (typeof validate !== "function") return;
  const result = validate(resolved.payload);
  if (result instanceof Promise) {
    // Answered by checkSchedulePayloads; a rejection here would be unhandled.
    result.catch(() => {});
    return;
  }
  if (result.issues) problems.push(payloadProblem(where, resolved, result.issues));
}

function payloadProblem(
  where: string,
  resolved: JobSchedule,
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
): string {
  const formatted = formatIssues(
    issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  );
  const given = resolved.payload === undefined ? "" : ` ${describeValue(resolved.payload)}`;
  return `${where} "${resolved.name}": its payload${given} does not match the job's schema: ${formatted}`;
}

/**
 * Checks every schedule's payload against an async schema (one that answers with a Promise,
 * which `defineJob` cannot wait for). The runtime calls it when it loads the jobs.
 *
 * @throws OffloadError `InvalidJobOptions` naming the job, the schedule and the issues.
 */
export async function checkSchedulePayloads(
  jobName: string,
  schedules: ReadonlyArray<JobSchedule>,
  schema: StandardSchemaV1 | undefined,
): Promise<void> {
  if (!schema) return;
  const problems: string[] = [];
  for (const [index, s] of schedules.entries()) {
    const result = await schema["~standard"].validate(s.payload);
    const where = schedules.length > 1 ? `schedule[${index}]` : "schedule";
    if (result.issues) problems.push(payloadProblem(where, s, result.issues));
  }
  if (problems.length > 0) {
    throw new OffloadError("InvalidJobOptions", `Job ${jobName}: ${problems.join("; ")}`, {
      jobName,
    });
  }
}

/**
 * The job id of a schedule's run due at `dueEpochMs`: the same for the same run, so a run
 * fired twice (a restart between the fire and its record) is refused as an id on record. The
 * time is ISO 8601 in UTC to the second, as EventBridge Scheduler writes
 * `<aws.scheduler.scheduled-time>` in the stack's schedules, so a run's id reads the same
 * locally and on AWS. Within the job id rules: at most 63 + 1 + 32 + 1 + 20 = 117 characters.
 *
 * @example
 * scheduledJobId("report", "default", Date.UTC(2026, 2, 29, 0, 30)); // "report:default:2026-03-29T00:30:00Z"
 */
export function scheduledJobId(jobName: string, scheduleName: string, dueEpochMs: number): string {
  const iso = new Date(Math.floor(dueEpochMs / 1000) * 1000).toISOString(); // 2026-03-29T00:30:00.000Z
  return `${jobName}:${scheduleName}:${iso.slice(0, 19)}Z`;
}

function freeze(schedule: JobSchedule): JobSchedule {
  return Object.freeze(schedule);
}
