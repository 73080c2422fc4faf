import { OffloadError } from "./errors.js";
import type { PayloadOf } from "./job-types.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** One problem with a payload; `path` is like `"items[0].sku"`, `""` for the payload itself. */
export interface PayloadIssue {
  readonly path: string;
  readonly message: string;
}

/** Issues as one line: `quantity: must be positive; name: required`. */
export function formatIssues(issues: ReadonlyArray<PayloadIssue>): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

/** A payload that fails its job's schema: `issues` say which field and why. */
export class InvalidPayloadError extends OffloadError {
  override name = "InvalidPayloadError";
  readonly issues: ReadonlyArray<PayloadIssue>;

  /** `message` is the server's, when an app's HTTP API refused the payload. */
  constructor(jobName: string, issues: ReadonlyArray<PayloadIssue>, message?: string) {
    super(
      "InvalidPayload",
      message ?? `The payload of ${jobName} does not match its schema: ${formatIssues(issues)}`,
      { jobName },
    );
    this.issues = issues;
  }
}

export type PayloadValidation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: PayloadIssue[] };

/**
 * Validates a payload with a job's schema (any Standard Schema, sync or async).
 * Without a schema every payload is valid and returned as is. A schema that
 * throws (rather than reporting issues) is a bug in the schema and rejects.
 *
 * @example
 * const result = await validatePayload(job.schema, body.payload);
 * if (!result.ok) return c.json({ error: { code: "InvalidPayload", details: result.issues } }, 422);
 */
export async function validatePayload<S extends StandardSchemaV1 | undefined>(
  schema: S,
  payload: unknown,
): Promise<PayloadValidation<PayloadOf<S>>> {
  if (schema === undefined) return { ok: true, value: payload as PayloadOf<S> };
  const result = await schema["~standard"].validate(payload);
  if (result.issues) {
    return {
      ok: false,
      issues: result.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.message,
      })),
    };
  }
  return { ok: true, value: result.value as PayloadOf<S> };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `["a", "b", 0, "c"]` → `"a.b[0].c"`; keys that are not identifiers are quoted: `a["x-y"]`. */
export function formatPath(
  path: ReadonlyArray<PropertyKey | StandardSchemaV1.PathSegment> | undefined,
): string {
  let out = "";
  for (const segment of path ?? []) {
    const key = typeof segment === "object" ? segment.key : segment;
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "symbol") out += `[${key.toString()}]`;
    else if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
