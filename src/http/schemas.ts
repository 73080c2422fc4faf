import { z } from "zod";
import {
  ISO_DATE_TIME_HINT,
  MAX_SCHEDULED_DELAY_SECONDS,
  parseIsoDateTime,
} from "../core/send-request.js";
import { describeValue, quote } from "./describe.js";
import { ApiError, type ApiErrorCode } from "./errors.js";

/** Most DLQ messages one list or redrive request handles. */
export const MAX_DLQ_BATCH = 1000;
export const DEFAULT_DLQ_LIMIT = 100;

type Issue = z.core.$ZodRawIssue;

const delayMessage = (where: string) => (issue: Issue) =>
  `${where} must be a whole number of seconds from 0 to ${MAX_SCHEDULED_DELAY_SECONDS} (365 days); got ${describeValue(issue.input)}`;

const runAtMessage = (where: string) => (issue: Issue) =>
  `${where} must be ${ISO_DATE_TIME_HINT}; got ${typeof issue.input === "string" ? quote(issue.input) : describeValue(issue.input)}`;

/** A due time: an ISO 8601 date-time with its offset, kept as given (the backend counts from it). */
const runAtSchema = (where: string) =>
  z
    .string({ error: runAtMessage(where) })
    .refine((value) => parseIsoDateTime(value) !== undefined, { error: runAtMessage(where) });

const unknownFields = (fields: string) => (issue: Issue) =>
  issue.code === "unrecognized_keys"
    ? `Unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} in the request body; the fields are ${fields}`
    : undefined;

/** The body of `POST /jobs`. */
export const jobEnvelopeSchema = z.strictObject(
  {
    jobName: z.string({
      error: (issue) =>
        issue.input === undefined
          ? 'jobName is missing: the body must name the job, as in {"jobName": "send-email", "payload": {...}}'
          : `jobName must be a string; got ${describeValue(issue.input)}`,
    }),
    payload: z.unknown(),
    delaySeconds: z
      .number({ error: delayMessage("delaySeconds") })
      .int({ error: delayMessage("delaySeconds") })
      .min(0, { error: delayMessage("delaySeconds") })
      .max(MAX_SCHEDULED_DELAY_SECONDS, { error: delayMessage("delaySeconds") })
      .optional(),
    runAt: runAtSchema("runAt").optional(),
    jobId: z
      .string({ error: (i) => `jobId must be a string; got ${describeValue(i.input)}` })
      .optional(),
    idempotencyKey: z
      .string({ error: (i) => `idempotencyKey must be a string; got ${describeValue(i.input)}` })
      .optional(),
  },
  {
    error: unknownFields(
      "jobName, payload, and optionally delaySeconds or runAt, jobId and idempotencyKey",
    ),
  },
);
export type JobEnvelope = z.infer<typeof jobEnvelopeSchema>;

/** The optional body of `POST /api/queues/:job/redrive`: job ids or message ids. */
export const redriveBodySchema = z.strictObject(
  {
    ids: z
      .array(
        z
          .string({ error: (i) => `ids must hold strings; got ${describeValue(i.input)}` })
          .min(1, { error: "ids must hold non-empty strings; got an empty one" }),
        {
          error: (i) =>
            `ids must be an array of job ids or message ids; got ${describeValue(i.input)}`,
        },
      )
      .min(1, { error: "ids must hold at least 1 id (leave it out to redrive all)" })
      .max(MAX_DLQ_BATCH, {
        error: (i) =>
          `ids may hold at most ${MAX_DLQ_BATCH} ids; got ${Array.isArray(i.input) ? i.input.length : "more"}`,
      })
      .optional(),
  },
  { error: unknownFields("ids (optional: job ids or message ids)") },
);
export type RedriveBody = z.infer<typeof redriveBodySchema>;

const wholeNumber = (name: string, min: number, max: number) => {
  const message = (issue: Issue) =>
    `Query parameter ${name} must be a whole number from ${min} to ${max}; got ${typeof issue.input === "string" ? quote(issue.input) : String(issue.input)}`;
  return z
    .string()
    .regex(/^\d{1,10}$/, { error: message })
    .transform(Number)
    .pipe(z.number().min(min, { error: message }).max(max, { error: message }));
};

/** `?delaySeconds=` of `POST /jobs/:jobName`. */
export const delayQuerySchema = wholeNumber("delaySeconds", 0, MAX_SCHEDULED_DELAY_SECONDS);
/** `?runAt=` of `POST /jobs/:jobName`. */
export const runAtQuerySchema = runAtSchema("Query parameter runAt");
/** `?jobId=` and `?idempotencyKey=` of `POST /jobs/:jobName`: checked by the client that sends. */
export const textQuerySchema = z.string();
/** `?limit=` of `GET /api/queues/:job/dlq`. */
export const limitQuerySchema = wholeNumber("limit", 1, MAX_DLQ_BATCH);

/**
 * Parses a JSON body that must be an object with `schema`, throwing an
 * ApiError whose message names every problem. Issues at `codeByField`'s
 * fields get that code when they are the only problems (a bad delay is
 * InvalidDelay; a bad delay next to an unknown field is InvalidRequest).
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  value: unknown,
  expected: string,
  codeByField: Record<string, ApiErrorCode> = {},
): z.infer<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(
      "InvalidRequest",
      `The request body must be a JSON object ${expected}; got ${describeValue(value)}`,
    );
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const messages = issues.map((issue) =>
    // zod words a missing field of type unknown as "expected nonoptional".
    issue.path.length === 1 && issue.path[0] === "payload" && !Object.hasOwn(value, "payload")
      ? "payload is missing: the body must carry the job's payload (any JSON value, null included)"
      : issue.message,
  );
  const codes = new Set(
    issues.map((issue) => codeByField[String(issue.path[0])] ?? "InvalidRequest"),
  );
  const [code = "InvalidRequest"] = codes.size === 1 ? [...codes] : [];
  // An unknown field's issue sits at the object holding it; each field it names is a path.
  const details = issues.flatMap((issue, n) =>
    (issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => [...issue.path, key])
      : [issue.path]
    ).map((path) => ({ path: path.join("."), message: messages[n] })),
  );
  throw new ApiError(code, messages.join("; "), { details: { issues: details } });
}

/**
 * Reads a route's query parameters: each one at most once, none unknown
 * (a mistyped `?delay=60` must not silently send without a delay).
 */
export function parseQuery<Spec extends Record<string, z.ZodType<unknown, string>>>(
  queries: Record<string, string[]>,
  spec: Spec,
  codeOf: ApiErrorCode = "InvalidRequest",
): { [K in keyof Spec]?: z.output<Spec[K]> } {
  const known = Object.keys(spec);
  const parsed: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(queries)) {
    const schema = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (schema === undefined) {
      throw new ApiError(
        "InvalidRequest",
        `Unknown query parameter ${quote(name)}; ${known.length === 0 ? "this route takes none" : `this route takes ${known.join(", ")}`}`,
      );
    }
    if (values.length !== 1) {
      throw new ApiError(
        codeOf,
        `Query parameter ${name} is given ${values.length} times; give it once`,
      );
    }
    const result = schema.safeParse(values[0]);
    if (!result.success) {
      throw new ApiError(codeOf, result.error.issues.map((i) => i.message).join("; "));
    }
    Object.defineProperty(parsed, name, { value: result.data, enumerable: true });
  }
  return parsed as { [K in keyof Spec]?: z.output<Spec[K]> };
}
