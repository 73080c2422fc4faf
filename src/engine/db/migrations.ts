import type Database from "better-sqlite3";

/** One schema step. Versions are consecutive from 1; a step never changes once released. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: "queues, messages, move tasks, topics, subscriptions",
    up(db) {
      db.exec(`
        CREATE TABLE queues (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          attributes TEXT NOT NULL,
          tags TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          modified_at INTEGER NOT NULL,
          purged_at INTEGER
        );
        CREATE TABLE messages (
          seq INTEGER PRIMARY KEY,
          queue_id INTEGER NOT NULL,
          message_id TEXT NOT NULL,
          body TEXT NOT NULL,
          attributes TEXT,
          md5_body TEXT NOT NULL,
          md5_attributes TEXT,
          system_attributes TEXT,
          md5_system_attributes TEXT,
          sender_id TEXT NOT NULL,
          sent_at INTEGER NOT NULL,
          visible_at INTEGER NOT NULL,
          receive_count INTEGER NOT NULL DEFAULT 0,
          first_receive_at INTEGER,
          received_at INTEGER,
          receipt TEXT,
          dead_letter_source_arn TEXT
        );
        CREATE INDEX messages_by_visibility ON messages (queue_id, visible_at);
        CREATE INDEX messages_by_age ON messages (queue_id, sent_at);
        CREATE TABLE move_tasks (
          handle TEXT PRIMARY KEY,
          source_arn TEXT NOT NULL,
          destination_arn TEXT,
          rate INTEGER,
          status TEXT NOT NULL,
          moved INTEGER NOT NULL DEFAULT 0,
          to_move INTEGER NOT NULL,
          max_seq INTEGER NOT NULL,
          failure_reason TEXT,
          started_at INTEGER NOT NULL
        );
        CREATE INDEX move_tasks_by_source ON move_tasks (source_arn, started_at);
        CREATE TABLE topics (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          attributes TEXT NOT NULL,
          tags TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL
        );
        CREATE TABLE subscriptions (
          id INTEGER PRIMARY KEY,
          arn TEXT NOT NULL UNIQUE,
          topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
          protocol TEXT NOT NULL,
          endpoint TEXT NOT NULL,
          attributes TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX subscriptions_by_topic ON subscriptions (topic_id);
      `);
    },
  },
  {
    version: 2,
    description: "message notes: the first and last error of a message's attempts",
    up(db) {
      db.exec(`
        CREATE TABLE message_notes (
          message_id TEXT PRIMARY KEY,
          first_error TEXT NOT NULL,
          last_error TEXT NOT NULL,
          errors INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    description:
      "when a message moved to a dead-letter queue: a DLQ's oldest age counts from the move, as in SQS",
    up(db) {
      // Partial: the index holds only moved messages, so a send pays nothing for it.
      db.exec(`
        ALTER TABLE messages ADD COLUMN moved_at INTEGER;
        CREATE INDEX messages_by_move ON messages (queue_id, moved_at) WHERE moved_at IS NOT NULL;
      `);
    },
  },
  {
    version: 4,
    description: "per-queue message counts, kept by triggers: queue stats without counting rows",
    up(db) {
      // The triggers keep each queue's row exact in the statement that changes a message, so
      // every path (send, delete, DLQ move, redrive, purge, retention, DeleteQueue, a direct
      // INSERT) keeps it, and a crash cannot part a count from its messages. An UPDATE
      // fires only when it sets queue_id or moved_at: a receive or visibility change never.
      db.exec(`
        CREATE TABLE queue_counts (
          queue_id INTEGER PRIMARY KEY,
          messages INTEGER NOT NULL DEFAULT 0,
          moved INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO queue_counts (queue_id, messages, moved)
          SELECT q.id,
            (SELECT COUNT(*) FROM messages m WHERE m.queue_id = q.id),
            (SELECT COUNT(*) FROM messages m WHERE m.queue_id = q.id AND m.moved_at IS NOT NULL)
          FROM queues q;
        CREATE TRIGGER queue_counts_on_queue_insert AFTER INSERT ON queues BEGIN
          INSERT OR IGNORE INTO queue_counts (queue_id) VALUES (NEW.id);
        END;
        CREATE TRIGGER queue_counts_on_queue_delete AFTER DELETE ON queues BEGIN
          DELETE FROM queue_counts WHERE queue_id = OLD.id;
        END;
        CREATE TRIGGER queue_counts_on_insert AFTER INSERT ON messages BEGIN
          UPDATE queue_counts SET messages = messages + 1, moved = moved + (NEW.moved_at IS NOT NULL)
            WHERE queue_id = NEW.queue_id;
        END;
        CREATE TRIGGER queue_counts_on_delete AFTER DELETE ON messages BEGIN
          UPDATE queue_counts SET messages = messages - 1, moved = moved - (OLD.moved_at IS NOT NULL)
            WHERE queue_id = OLD.queue_id;
        END;
        CREATE TRIGGER queue_counts_on_move AFTER UPDATE OF queue_id, moved_at ON messages
          WHEN OLD.queue_id IS NOT NEW.queue_id
            OR (OLD.moved_at IS NULL) IS NOT (NEW.moved_at IS NULL)
        BEGIN
          UPDATE queue_counts SET messages = messages - 1, moved = moved - (OLD.moved_at IS NOT NULL)
            WHERE queue_id = OLD.queue_id;
          UPDATE queue_counts SET messages = messages + 1, moved = moved + (NEW.moved_at IS NOT NULL)
            WHERE queue_id = NEW.queue_id;
        END;
      `);
    },
  },
  {
    version: 5,
    description: "a message's MessageGroupId: its tenant in a fair (standard) queue",
    up(db) {
      // Partial: only messages sent with a group pay for the index; it serves the fair receive.
      db.exec(`
        ALTER TABLE messages ADD COLUMN message_group_id TEXT;
        CREATE INDEX messages_by_group ON messages (queue_id, message_group_id, visible_at, seq)
          WHERE message_group_id IS NOT NULL;
      `);
    },
  },
  {
    version: 6,
    description: "job records: each job's state and history, kept with its messages",
    up(db) {
      // jobs: one row per job. Listed newest first by rowid (insertion order), so a listing
      // needs no index of its own; jobs_by_name serves the listing of one job name (its rowid
      // is the index's last column). message_seq is the job's current message (a move to the
      // DLQ or a redrive keeps the row, so the seq): a cancel finds it without an index on
      // messages. events is a JSON array of the job's events (times in epoch ms), capped:
      // event_count counts every event appended, the array keeps the first and the latest.
      // job_queues marks the queues whose messages are jobs; messages.job_id is set only in them.
      db.exec(`
        CREATE TABLE job_queues (
          queue_id INTEGER PRIMARY KEY,
          job_name TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('queue', 'dlq'))
        );
        CREATE TRIGGER job_queues_on_queue_delete AFTER DELETE ON queues BEGIN
          DELETE FROM job_queues WHERE queue_id = OLD.id;
        END;
        CREATE TABLE jobs (
          seq INTEGER PRIMARY KEY,
          job_id TEXT NOT NULL UNIQUE,
          job_name TEXT NOT NULL,
          state TEXT NOT NULL,
          accepted_at INTEGER NOT NULL,
          run_at INTEGER,
          updated_at INTEGER NOT NULL,
          finished_at INTEGER,
          attempts INTEGER NOT NULL DEFAULT 0,
          attempt_started_at INTEGER,
          idempotency_key TEXT,
          progress TEXT,
          result TEXT,
          last_error TEXT,
          cancel_requested INTEGER NOT NULL DEFAULT 0,
          message_seq INTEGER,
          events TEXT NOT NULL,
          event_count INTEGER NOT NULL
        );
        CREATE INDEX jobs_by_name ON jobs (job_name);
        CREATE INDEX jobs_by_idempotency_key ON jobs (job_name, idempotency_key, accepted_at)
          WHERE idempotency_key IS NOT NULL;
        CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
        ALTER TABLE messages ADD COLUMN job_id TEXT;
      `);
    },
  },
  {
    version: 7,
    description: "idempotent handlers' keys: a run held or done, and its result",
    up(db) {
      // One row per job name and key: 'held' until expires_at (the attempt's deadline), then
      // free; 'done' with the result until expires_at (the job's idempotency ttl). The sweeper
      // drops expired rows through the index.
      db.exec(`
        CREATE TABLE handler_idempotency (
          job_name TEXT NOT NULL,
          key TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('held', 'done')),
          job_id TEXT NOT NULL,
          result TEXT,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (job_name, key)
        ) WITHOUT ROWID;
        CREATE INDEX handler_idempotency_by_expiry ON handler_idempotency (expires_at);
      `);
    },
  },
  {
    version: 8,
    description: "recurring schedules: each one's next due time and its last run",
    up(db) {
      // One row per job schedule. `definition` is what the due times follow (expression, time
      // zone, start, end) as JSON: a change recomputes next_due_at. A run is sent and its row
      // advanced in one commit, so a run is sent once whatever stops the process; its job id
      // (from the job, schedule and due time) is the one in last_job_id.
      db.exec(`
        CREATE TABLE schedules (
          job_name TEXT NOT NULL,
          schedule_name TEXT NOT NULL,
          definition TEXT NOT NULL,
          next_due_at INTEGER,
          last_due_at INTEGER,
          last_fired_at INTEGER,
          last_job_id TEXT,
          last_skipped_at INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (job_name, schedule_name)
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
