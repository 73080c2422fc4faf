/**
 * The job history's statements on the drain's hot path, alone: a WAL file database with the
 * engine's schema (messages and jobs, their indexes) holding `jobs` received jobs, deleted in
 * batches of 10 per transaction by each variant in turn (interleaved, rounds), CPU µs per job.
 * `tsx bench/history-sql.ts [jobs] [rounds] [variant,variant...]`; `engine` is the engine's
 * own success statement, `engineAppending` the one before a success's events were derived.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { newJobId } from "../src/core/job-id.js";
import { migrations } from "../src/engine/db/migrations.js";
import { migrate } from "../src/engine/db/open.js";
import { appendEventsText, firstStartedEvent } from "../src/engine/jobs/first-attempt.js";
import { SUCCEEDED } from "../src/engine/jobs/hooks.js";
import { cpuSince } from "./lib/runtime-results.js";
import { tempDir } from "./lib/stats.js";

const JOBS = Number(process.argv[2] ?? 50_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 10;
const ONLY = process.argv[4]?.split(",");

type Variant = (
  db: Database.Database,
) => (batch: Array<{ seq: number; receipt: string }>, now: number) => void;

const where = Array.from(
  { length: BATCH },
  () => "(seq = ? AND queue_id = ? AND receipt = ?)",
).join(" OR ");
const values = (batch: Array<{ seq: number; receipt: string }>) =>
  batch.flatMap((r) => [r.seq, 1, r.receipt]);

const variants: Record<string, Variant> = {
  off: (db) => {
    const del = db.prepare(`DELETE FROM messages WHERE ${where}`);
    return (batch) => del.run(values(batch));
  },
  returning: (db) => {
    const del = db
      .prepare(`DELETE FROM messages WHERE ${where} RETURNING job_id, first_receive_at`)
      .raw();
    return (batch) => del.all(values(batch));
  },
  succeeded: (db) => {
    const del = db
      .prepare(`DELETE FROM messages WHERE ${where} RETURNING job_id, first_receive_at`)
      .raw();
    const upd = db.prepare(
      `UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = @now, updated_at = @now,
         events = substr(events, 1, length(events) - 1) || ',' || '{"type":"started","at":' || d.column2
           || ',"attempt":1},{"type":"succeeded","at":' || @now || ',"attempt":1,"durationMs":' || (@now - d.column2) || '}]',
         event_count = event_count + 2
       FROM (VALUES ${Array.from({ length: BATCH }, () => "(?, ?)").join(", ")}) AS d
       WHERE jobs.job_id = d.column1 AND jobs.finished_at IS NULL`,
    );
    return (batch, now) => {
      const rows = del.all(values(batch)) as Array<[string, number]>;
      upd.run({ now }, ...rows.flat());
    };
  },
  byIdIn: (db) => {
    const del = db
      .prepare(`DELETE FROM messages WHERE ${where} RETURNING job_id, first_receive_at`)
      .raw();
    const upd = db.prepare(
      `UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = @now, updated_at = @now,
         events = substr(events, 1, length(events) - 1) || ',' || '{"type":"started","at":' || @now
           || ',"attempt":1},{"type":"succeeded","at":' || @now || ',"attempt":1,"durationMs":' || 0 || '}]',
         event_count = event_count + 2
       WHERE job_id IN (${Array.from({ length: BATCH }, () => "?").join(", ")}) AND finished_at IS NULL`,
    );
    return (batch, now) => {
      const rows = del.all(values(batch)) as Array<[string, number]>;
      upd.run({ now }, ...rows.map((r) => r[0]));
    };
  },
  noEvents: (db) => {
    const del = db
      .prepare(`DELETE FROM messages WHERE ${where} RETURNING job_id, first_receive_at`)
      .raw();
    const upd = db.prepare(
      `UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = @now, updated_at = @now,
         attempt_started_at = d.column2
       FROM (VALUES ${Array.from({ length: BATCH }, () => "(?, ?)").join(", ")}) AS d
       WHERE jobs.job_id = d.column1 AND jobs.finished_at IS NULL`,
    );
    return (batch, now) => {
      const rows = del.all(values(batch)) as Array<[string, number]>;
      upd.run({ now }, ...rows.flat());
    };
  },
  bySeq: (db) => {
    // The jobs' rows by rowid (here a message's seq is its job's), not through the job_id index.
    const del = db
      .prepare(`DELETE FROM messages WHERE ${where} RETURNING seq, first_receive_at`)
      .raw();
    const upd = db.prepare(
      `UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = @now, updated_at = @now,
         events = substr(events, 1, length(events) - 1) || ',' || '{"type":"started","at":' || @now
           || ',"attempt":1},{"type":"succeeded","at":' || @now || ',"attempt":1,"durationMs":' || 0 || '}]',
         event_count = event_count + 2
       WHERE seq IN (${Array.from({ length: BATCH }, () => "?").join(", ")}) AND finished_at IS NULL`,
    );
    return (batch, now) => {
      const rows = del.all(values(batch)) as Array<[number, number]>;
      upd.run({ now }, ...rows.map((r) => r[0]));
    };
  },
  engine: (db) => engineVariant(db, SUCCEEDED[BATCH]!),
  engineAppending: (db) => engineVariant(db, SUCCEEDED_APPENDING),
  updateFirst: (db) => {
    const upd = db.prepare(
      `UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = @now, updated_at = @now,
         events = substr(events, 1, length(events) - 1) || ',' || '{"type":"started","at":' || m.first_receive_at
           || ',"attempt":1},{"type":"succeeded","at":' || @now || ',"attempt":1,"durationMs":' || (@now - m.first_receive_at) || '}]',
         event_count = event_count + 2
       FROM messages m WHERE (${where.replaceAll("seq =", "m.seq =").replaceAll("queue_id", "m.queue_id").replaceAll("receipt", "m.receipt")})
         AND jobs.job_id = m.job_id AND jobs.finished_at IS NULL`,
    );
    const del = db.prepare(`DELETE FROM messages WHERE ${where}`);
    return (batch, now) => {
      const v = values(batch);
      upd.run({ now }, ...v);
      del.run(v);
    };
  },
};

/** The success's UPDATE as it was while it appended the attempt's events (2026-12-08). */
const UNRECORDED = "state IN ('queued', 'delayed')";
const SUCCEEDED_APPENDING = `UPDATE jobs SET
    state = CASE WHEN cancel_requested THEN 'cancelled'
      WHEN state = 'running' OR ${UNRECORDED} THEN 'succeeded' ELSE 'deleted' END,
    attempts = CASE WHEN ${UNRECORDED} THEN 1 ELSE attempts END,
    finished_at = @now, run_at = NULL, updated_at = @now, attempt_started_at = NULL,
    ${appendEventsText(
      `CASE
      WHEN ${UNRECORDED} THEN ${firstStartedEvent("d.column2")} || ',' || CASE
        WHEN cancel_requested THEN '{"type":"cancelled","at":' || @now || ',"while":"running"}'
        ELSE '{"type":"succeeded","at":' || @now || ',"attempt":1,"durationMs":'
          || (@now - d.column2) || '}' END
      WHEN cancel_requested THEN '{"type":"cancelled","at":' || @now || ',"while":"running"}'
      WHEN state = 'running' THEN '{"type":"succeeded","at":' || @now || ',"attempt":' || attempts
        || ',"durationMs":' || ifnull(@now - attempt_started_at, 'null') || '}'
      ELSE '{"type":"deleted","at":' || @now || ',"how":"delete"}' END`,
      `CASE WHEN ${UNRECORDED} THEN 2 ELSE 1 END`,
    )}
  FROM (VALUES ${Array.from({ length: BATCH }, () => "(?, ?)").join(", ")}) AS d
  WHERE jobs.job_id = d.column1 AND jobs.finished_at IS NULL`;

function engineVariant(db: Database.Database, sql: string) {
  const del = db
    .prepare(`DELETE FROM messages WHERE ${where} RETURNING job_id, first_receive_at`)
    .raw();
  const upd = db.prepare(sql);
  return (batch: Array<{ seq: number; receipt: string }>, now: number) => {
    const rows = del.all(values(batch)) as Array<[string, number]>;
    upd.run({ now }, ...rows.flat());
  };
}

function fill(dir: string, name: string, dropFinished: boolean) {
  const db = new Database(join(dir, `${name}.db`));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("cache_size = -16000");
  migrate(db, join(dir, `${name}.db`), migrations);
  if (dropFinished) db.exec("DROP INDEX jobs_finished");
  const now = Date.now();
  const insM = db.prepare(
    `INSERT INTO messages (queue_id, message_id, body, attributes, md5_body, sender_id, sent_at, visible_at,
       receive_count, first_receive_at, received_at, receipt, job_id)
     VALUES (1, ?, ?, ?, 'd41d8cd98f00b204e9800998ecf8427e', 'local', ?, ?, 1, ?, ?, 'tok', ?)`,
  );
  const insJ = db.prepare(
    `INSERT INTO jobs (job_id, job_name, state, accepted_at, updated_at, message_seq, events, event_count)
     VALUES (?, 'drain-noop', 'queued', ?, ?, ?, ?, 1)`,
  );
  const rows: Array<{ seq: number; receipt: string }> = [];
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) {
      const jobId = newJobId(now + i);
      const attrs = `{"jobName":{"DataType":"String","StringValue":"drain-noop"},"jobId":{"DataType":"String","StringValue":"${jobId}"}}`;
      const seq = Number(
        insM.run(crypto.randomUUID(), JSON.stringify({ i }), attrs, now, now, now, now, jobId)
          .lastInsertRowid,
      );
      insJ.run(jobId, now, now, seq, `[{"type":"accepted","at":${now}}]`);
      rows.push({ seq, receipt: "tok" });
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  return { db, rows };
}

const results: Record<string, number[]> = {};
const dir = tempDir("offload-history-sql-");
try {
  for (let r = 0; r < ROUNDS; r++) {
    const cases: Array<[string, string, boolean]> = ONLY
      ? ONLY.map((v): [string, string, boolean] => [v, v, false])
      : [
          ...Object.keys(variants).map((v): [string, string, boolean] => [v, v, false]),
          ["succeeded-noFinishedIndex", "succeeded", true],
          ["updateFirst-noFinishedIndex", "updateFirst", true],
        ];
    for (const [label, v, drop] of cases) {
      const { db, rows } = fill(dir.path, `${label}-${r}`, drop);
      const run = variants[v]!(db);
      const now = Date.now();
      const start = process.cpuUsage();
      for (let i = 0; i < rows.length; i += BATCH)
        db.transaction(() => run(rows.slice(i, i + BATCH), now))();
      results[label] = [...(results[label] ?? []), cpuSince(start) / rows.length];
      db.close();
    }
  }
} finally {
  dir.remove();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [label, xs] of Object.entries(results)) {
  console.log(
    `${label.padEnd(28)} median ${median(xs).toFixed(2)} µs/job  (${xs.map((x) => x.toFixed(2)).join(", ")})`,
  );
}
