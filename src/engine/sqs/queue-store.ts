import {
  type Location,
  queueArn,
  queueNameFromArn,
  queueNameFromUrl,
  queueUrl,
} from "../location.js";
import type { Statements } from "../statements.js";
import { sqsError } from "./errors.js";
import { defaultQueueAttributes, type RedrivePolicy } from "./queue-attributes.js";

/** A queue as the engine works with it: stored attributes plus the parsed numbers it needs often. */
export interface QueueRecord {
  readonly id: number;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  /** Settable attributes in canonical string form, defaults included. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly purgedAt: number | null;
  readonly visibilityTimeoutSeconds: number;
  readonly delaySeconds: number;
  readonly retentionSeconds: number;
  readonly maxMessageBytes: number;
  readonly waitTimeSeconds: number;
  readonly redrive: RedrivePolicy | undefined;
}

interface QueueRow {
  id: number;
  name: string;
  attributes: string;
  tags: string;
  created_at: number;
  modified_at: number;
  purged_at: number | null;
}

/**
 * Reads and writes the queues table. Records are cached by name; every write
 * clears the cache (and the committer clears it when a transaction fails), so
 * a read never sees a queue the database does not hold.
 */
export class QueueStore {
  readonly #stmts: Statements;
  readonly #loc: Location;
  readonly #byName = new Map<string, QueueRecord>();
  /** The same records by ARN: every publish looks its subscribers' queues up by ARN. */
  readonly #byArn = new Map<string, QueueRecord>();

  constructor(stmts: Statements, loc: Location) {
    this.#stmts = stmts;
    this.#loc = loc;
  }

  invalidate(): void {
    this.#byName.clear();
    this.#byArn.clear();
  }

  byName(name: string): QueueRecord | undefined {
    const cached = this.#byName.get(name);
    if (cached) return cached;
    const row = this.#stmts.get("SELECT * FROM queues WHERE name = ?").get(name) as
      | QueueRow
      | undefined;
    if (!row) return undefined;
    const record = this.#toRecord(row);
    this.#byName.set(name, record);
    return record;
  }

  byArn(arn: string): QueueRecord | undefined {
    const cached = this.#byArn.get(arn);
    if (cached) return cached;
    const name = queueNameFromArn(this.#loc, arn);
    const record = name === undefined ? undefined : this.byName(name);
    if (record) this.#byArn.set(arn, record);
    return record;
  }

  /** The queue a QueueUrl names, or AWS's NonExistentQueue error. */
  byUrl(url: unknown): QueueRecord {
    if (typeof url !== "string" || url === "") throw sqsError.missingParameter("QueueUrl");
    const name = queueNameFromUrl(url);
    const record = name === undefined ? undefined : this.byName(name);
    if (!record) throw sqsError.nonExistentQueue(url);
    return record;
  }

  list(prefix: string): QueueRecord[] {
    const rows = this.#stmts
      .get("SELECT * FROM queues WHERE substr(name, 1, length(?)) = ? ORDER BY name")
      .all(prefix, prefix) as QueueRow[];
    return rows.map((row) => this.#toRecord(row));
  }

  insert(
    name: string,
    attributes: Record<string, string>,
    tags: Record<string, string>,
    now: number,
  ): QueueRecord {
    this.invalidate();
    const merged = dropEmpty({ ...defaultQueueAttributes, ...attributes });
    this.#stmts
      .get(
        "INSERT INTO queues (name, attributes, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(name, JSON.stringify(merged), JSON.stringify(tags), now, now);
    return this.byName(name)!;
  }

  updateAttributes(queue: QueueRecord, attributes: Record<string, string>, now: number): void {
    this.invalidate();
    const merged = dropEmpty({ ...queue.attributes, ...attributes });
    this.#stmts
      .get("UPDATE queues SET attributes = ?, modified_at = ? WHERE id = ?")
      .run(JSON.stringify(merged), now, queue.id);
  }

  updateTags(queue: QueueRecord, tags: Record<string, string>): void {
    this.invalidate();
    this.#stmts.get("UPDATE queues SET tags = ? WHERE id = ?").run(JSON.stringify(tags), queue.id);
  }

  markPurged(queue: QueueRecord, now: number): void {
    this.invalidate();
    this.#stmts.get("UPDATE queues SET purged_at = ? WHERE id = ?").run(now, queue.id);
  }

  delete(queue: QueueRecord): void {
    this.invalidate();
    this.#stmts.get("DELETE FROM messages WHERE queue_id = ?").run(queue.id);
    this.#stmts.get("DELETE FROM queues WHERE id = ?").run(queue.id);
  }

  /** Queues whose RedrivePolicy targets the queue with this ARN. */
  deadLetterSources(dlqArn: string): QueueRecord[] {
    return this.list("").filter((q) => q.redrive?.deadLetterTargetArn === dlqArn);
  }

  #toRecord(row: QueueRow): QueueRecord {
    const attributes = JSON.parse(row.attributes) as Record<string, string>;
    const num = (name: string) => Number(attributes[name] ?? defaultQueueAttributes[name]);
    return Object.freeze({
      id: row.id,
      name: row.name,
      arn: queueArn(this.#loc, row.name),
      url: queueUrl(this.#loc, row.name),
      attributes: Object.freeze(attributes),
      tags: Object.freeze(JSON.parse(row.tags) as Record<string, string>),
      createdAt: row.created_at,
      modifiedAt: row.modified_at,
      purgedAt: row.purged_at,
      visibilityTimeoutSeconds: num("VisibilityTimeout"),
      delaySeconds: num("DelaySeconds"),
      retentionSeconds: num("MessageRetentionPeriod"),
      maxMessageBytes: num("MaximumMessageSize"),
      waitTimeSeconds: num("ReceiveMessageWaitTimeSeconds"),
      redrive: attributes.RedrivePolicy
        ? (JSON.parse(attributes.RedrivePolicy) as RedrivePolicy)
        : undefined,
    });
  }
}

/** An empty RedrivePolicy / RedriveAllowPolicy / Policy removes the attribute, as on AWS. */
function dropEmpty(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== ""));
}
