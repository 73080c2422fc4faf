/**
 * The layout of the stack's job table (DynamoDB) that both sides must agree on: the CDK
 * stack creates it, offload/aws reads and writes it. Plain data, so neither side imports
 * the other's code.
 */
export const JOB_TABLE = Object.freeze({
  /** The table's partition key (S): a job's id, or `idempotency#<jobName>#<key>` for a key item. */
  partitionKey: "pk",
  /** The TTL attribute (N, epoch seconds) DynamoDB deletes items by. */
  ttlAttribute: "expiresAt",
  /** The index that lists a job's runs newest first; keys only, so later writes do not touch it. */
  byJobName: Object.freeze({
    name: "byJobName",
    /** (S) The job's name. */
    partitionKey: "jobName",
    /** (S) `<acceptedAt as 15 digits>#<jobId>`: by time, then by id, unique. */
    sortKey: "listKey",
  }),
});

/** The stack output holding the job table's name (absent when the stack keeps no job history). */
export const JOB_TABLE_NAME_OUTPUT = "JobTableName";
