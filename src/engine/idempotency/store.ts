import type { IdempotencyClaim, IdempotencyStore } from "../../core/idempotency.js";
import type { EngineContext } from "../context.js";

interface Row {
  status: "held" | "done";
  job_id: string;
  result: string | null;
  expires_at: number;
}

/**
 * The engine's idempotency store (see core/idempotency.ts): the `handler_idempotency` table,
 * each call one commit, so a claim's check and its write are one step no other claim comes
 * between. Times are the engine's clock.
 */
export function createIdempotencyStore(ctx: EngineContext): IdempotencyStore & {
  /** Inside the sweeper's op: drops expired keys. */
  sweep(): number;
} {
  const { stmts, committer, clock } = ctx;
  return {
    claim(ref, holdMs) {
      return committer.run((): IdempotencyClaim => {
        const now = clock.now();
        const row = stmts
          .get(
            "SELECT status, job_id, result, expires_at FROM handler_idempotency WHERE job_name = ? AND key = ?",
          )
          .get(ref.jobName, ref.key) as Row | undefined;
        if (row && row.expires_at > now) {
          return row.status === "done"
            ? {
                status: "done",
                jobId: row.job_id,
                result: row.result === null ? undefined : JSON.parse(row.result),
              }
            : { status: "in-progress", jobId: row.job_id, heldForMs: row.expires_at - now };
        }
        stmts
          .get(
            `INSERT INTO handler_idempotency (job_name, key, status, job_id, result, expires_at)
             VALUES (?, ?, 'held', ?, NULL, ?)
             ON CONFLICT (job_name, key) DO UPDATE SET status = 'held', job_id = excluded.job_id,
               result = NULL, expires_at = excluded.expires_at`,
          )
          .run(ref.jobName, ref.key, ref.jobId, now + holdMs);
        return { status: "claimed" };
      });
    },
    async complete(ref, resultJson, ttlMs) {
      await committer.run(() => {
        stmts
          .get(
            `INSERT INTO handler_idempotency (job_name, key, status, job_id, result, expires_at)
             VALUES (?, ?, 'done', ?, ?, ?)
             ON CONFLICT (job_name, key) DO UPDATE SET status = 'done', job_id = excluded.job_id,
               result = excluded.result, expires_at = excluded.expires_at`,
          )
          .run(ref.jobName, ref.key, ref.jobId, resultJson ?? null, clock.now() + ttlMs);
      });
    },
    async release(ref) {
      // Only this job's hold: a hold that expired and was claimed by another attempt stays.
      await committer.run(() => {
        stmts
          .get(
            "DELETE FROM handler_idempotency WHERE job_name = ? AND key = ? AND status = 'held' AND job_id = ?",
          )
          .run(ref.jobName, ref.key, ref.jobId);
      });
    },
    sweep() {
      return stmts.get("DELETE FROM handler_idempotency WHERE expires_at <= ?").run(clock.now())
        .changes;
    },
  };
}
