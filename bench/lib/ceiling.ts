import { randomUUID } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { body, cpuSince, type DrainResult, drainResult } from "./engine-drain.js";
import { nowMs, tempDir } from "./stats.js";

export interface CeilingOptions {
  messages: number;
  /** Batches of 10 inserts per transaction: 1 = one batch per transaction. */
  sendBatchesPerTx: number;
  /**
   * Consumers stepping in lockstep, one operation each per transaction: a consumer with nothing
   * claimed claims 10, one holding a batch deletes it. 1 = claim 10 in one transaction, delete
   * them in the next, the way one engine consumer commits them.
   */
  consumersPerTx: number;
}

/**
 * The storage ceiling: a bare better-sqlite3 table with the engine's pragmas (WAL,
 * synchronous=FULL, the same page cache) doing the engine's work with nothing around it — no
 * validation, no MD5, no attributes, no API objects, no promises. One queue column and one index
 * (queue_id, visible_at), as a hand-written SQLite queue would have.
 */
export function ceilingDrain(options: CeilingOptions): DrainResult {
  const dir = tempDir("offload-bench-ceiling-");
  const db = new Database(join(dir.path, "ceiling.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("cache_size = -16000");
    db.exec(`
      CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY,
        queue_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT
      );
      CREATE INDEX jobs_by_visibility ON jobs (queue_id, visible_at);
    `);
    const insert = db.prepare(
      "INSERT INTO jobs (queue_id, message_id, body, sent_at, visible_at) VALUES (1, ?, ?, ?, ?)",
    );
    const select = db.prepare(
      "SELECT * FROM jobs WHERE queue_id = 1 AND visible_at <= ? ORDER BY visible_at, seq LIMIT 10",
    );
    const claim = db.prepare(
      "UPDATE jobs SET receive_count = receive_count + 1, visible_at = ?, receipt = ? WHERE seq = ?",
    );
    const remove = db.prepare("DELETE FROM jobs WHERE seq = ? AND receipt = ?");

    const batches = Math.ceil(options.messages / 10);
    let nextBatch = 0;
    const fillTx = db.transaction((count: number) => {
      const now = Date.now();
      for (let k = 0; k < count && nextBatch < batches; k++, nextBatch++) {
        const first = nextBatch * 10;
        const size = Math.min(10, options.messages - first);
        for (let i = 0; i < size; i++) insert.run(randomUUID(), body(first + i), now, now);
      }
    });
    const cpuStart = process.cpuUsage();
    const fillStart = nowMs();
    let fillCommits = 0;
    while (nextBatch < batches) {
      fillTx(options.sendBatchesPerTx);
      fillCommits++;
    }
    const fillMs = nowMs() - fillStart;

    type Held = Array<{ seq: number; receipt: string }>;
    const held: Array<Held | undefined> = Array.from({ length: options.consumersPerTx }, () => []);
    let token = 0;
    let deleted = 0;
    let ops = 0;
    const drainTx = db.transaction(() => {
      const now = Date.now();
      held.forEach((batch, c) => {
        if (batch === undefined) return;
        ops++;
        if (batch.length > 0) {
          for (const { seq, receipt } of batch) deleted += remove.run(seq, receipt).changes;
          held[c] = [];
          return;
        }
        const rows = select.all(now) as Array<{ seq: number }>;
        const claimed: Held = [];
        for (const row of rows) {
          const receipt = `r${token++}`;
          claim.run(now + 300_000, receipt, row.seq);
          claimed.push({ seq: row.seq, receipt });
        }
        // An empty claim ends this consumer, as an empty receive ends an engine consumer.
        held[c] = claimed.length > 0 ? claimed : undefined;
      });
    });
    const drainStart = nowMs();
    let drainCommits = 0;
    while (held.some((b) => b !== undefined)) {
      drainTx();
      drainCommits++;
    }
    const drainMs = nowMs() - drainStart;
    const cpuMicros = cpuSince(cpuStart);
    if (deleted !== options.messages) {
      throw new Error(`ceiling drained ${deleted} of ${options.messages} messages`);
    }
    return drainResult(
      options.messages,
      fillMs,
      drainMs,
      cpuMicros,
      { ops: batches, commits: fillCommits },
      { ops, commits: drainCommits },
    );
  } finally {
    db.close();
    dir.remove();
  }
}
