import type Database from "better-sqlite3";
import { OffloadError, toError } from "../core/errors.js";

/** The most event-loop turns a group that will be synced waits for more ops (see Committer). */
export const MAX_GROWTH_TURNS = 8;

type OpResult = { ok: true; value: unknown } | { ok: false; error: unknown };

interface PendingOp {
  run: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Every write is queued and all writes that arrive in the same
 * event-loop turn run in one SQLite transaction, so one fsync covers many
 * requests. An op that throws (say, a queue that does not exist) fails alone.
 * Promises settle only after the transaction commits.
 *
 * With durability "full", a group that holds a durable op (a send, a publish,
 * any change of queues or topics) is synced to disk before it settles, so a
 * resolved send survives power loss. A group of only receives, deletes,
 * visibility changes and error notes is committed at once without waiting
 * for the disk: it survives a crash of the process, and is synced by the next
 * durable commit. A power cut before that can only bring back a deleted
 * message, lower a receive count or lose a note: a redelivery, which
 * at-least-once delivery allows, or a DLQ listing missing an error.
 *
 * A group that will be synced waits while it grows: requests of many clients
 * arrive over a few event-loop turns (each turn reads the sockets that became
 * readable meanwhile), and a sync costs the same for one op as for a hundred.
 * The group commits after the first turn that adds nothing, or after
 * MAX_GROWTH_TURNS turns, so a lone send waits one turn.
 */
export class Committer {
  #pending: PendingOp[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  /** The pending group holds a durable op (and will be synced). */
  #pendingDurable = false;
  /** Ops pending at the last turn, and turns waited so far, while the group grows. */
  #seen = 0;
  #turns = 0;
  #closed = false;
  #groups = 0;
  #ops = 0;
  readonly #afterCommit: Array<() => void> = [];
  readonly #runAll: (ops: PendingOp[]) => OpResult[];

  readonly #rollbackListeners: Array<() => void> = [];
  readonly #onRollback = () => {
    for (const listener of this.#rollbackListeners) listener();
  };

  #refusal: (() => Error | undefined) | undefined;
  readonly #db: Database.Database;
  readonly #syncDurable: boolean;
  #synced = true;

  /** `syncDurable`: sync durable groups to disk (durability "full"). */
  constructor(db: Database.Database, syncDurable: boolean) {
    this.#db = db;
    this.#syncDurable = syncDurable;
    // Fast path: every op in one transaction, no savepoints. If any op throws,
    // the whole transaction rolls back and the group runs again with a
    // savepoint per op, so only the failing op fails. Ops read the clock and
    // draw ids inside, so a rerun is as valid as the first run, whose results
    // are discarded with its rollback.
    const plain = db.transaction((ops: PendingOp[]) =>
      ops.map((op): OpResult => ({ ok: true, value: op.run() })),
    );
    const savepoint = db.transaction((op: PendingOp) => op.run());
    const isolated = db.transaction((ops: PendingOp[]) =>
      ops.map((op): OpResult => {
        try {
          return { ok: true, value: savepoint(op) };
        } catch (error) {
          // On some errors (disk full, I/O error) SQLite rolls back the whole transaction
          // itself: the ops before this one are undone, and the ones after would each run
          // in a transaction of their own, committed at once. The group fails as a whole,
          // with this error (the reason) rather than COMMIT's "no transaction is active".
          if (!db.inTransaction) throw error;
          // The savepoint rolled back, but caches may hold what the op wrote before it threw.
          this.#onRollback();
          return { ok: false, error };
        }
      }),
    );
    this.#runAll = (ops) => {
      const callbacksBefore = this.#afterCommit.length;
      try {
        return plain(ops);
      } catch {
        this.#afterCommit.length = callbacksBefore;
        this.#onRollback();
        return isolated(ops);
      }
    };
  }

  /**
   * Queues `fn` to run inside the next group transaction; resolves after commit.
   * `durable: false` for receives, deletes, visibility changes and error notes (see the
   * class comment).
   */
  run<T>(fn: () => T, options: { durable?: boolean } = {}): Promise<T> {
    const durable = options.durable ?? true;
    if (this.#closed) {
      return Promise.reject(new OffloadError("EngineClosed", "The engine is closed"));
    }
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run: fn, durable, resolve: resolve as (v: unknown) => void, reject });
      if (durable) this.#pendingDurable = true;
      this.#scheduled ??= setImmediate(this.#turn);
    });
  }

  /**
   * Registers a listener run whenever an op or a whole group rolls back, so
   * caches drop what the database does not hold.
   */
  onRollback(listener: () => void): void {
    this.#rollbackListeners.push(listener);
  }

  /**
   * Registers a check run before each group that holds a durable op: the error it returns
   * fails the group's durable ops (work the engine no longer takes); the others still run.
   */
  refuseDurableWhen(check: () => Error | undefined): void {
    this.#refusal = check;
  }

  /** Registers a callback run once after the current group commits (for wake-ups). */
  afterCommit(fn: () => void): void {
    this.#afterCommit.push(fn);
  }

  /** One event-loop turn of a pending group: commit it, or wait another turn while it grows. */
  readonly #turn = () => {
    const waits = this.#syncDurable && this.#pendingDurable;
    if (waits && this.#pending.length > this.#seen && this.#turns < MAX_GROWTH_TURNS) {
      this.#seen = this.#pending.length;
      this.#turns++;
      this.#scheduled = setImmediate(this.#turn);
      return;
    }
    this.flush();
  };

  /** Runs everything queued now. Called by the scheduler; exposed for close(). */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#pendingDurable = false;
    this.#seen = 0;
    this.#turns = 0;
    let ops = this.#pending;
    if (ops.length === 0) return;
    this.#pending = [];
    const refused = ops.some((op) => op.durable) ? this.#refusal?.() : undefined;
    if (refused) {
      for (const op of ops) if (op.durable) op.reject(refused);
      ops = ops.filter((op) => !op.durable);
      if (ops.length === 0) return;
    }
    let results: OpResult[];
    try {
      if (this.#syncDurable) {
        // db.pragma prepares the statement afresh: a kept prepared PRAGMA can silently do nothing.
        const sync = ops.some((op) => op.durable);
        if (sync !== this.#synced) {
          this.#db.pragma(`synchronous = ${sync ? "FULL" : "NORMAL"}`);
          this.#synced = sync;
        }
      }
      results = this.#runAll(ops);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the group is durable.
      this.#afterCommit.length = 0;
      this.#onRollback();
      // The message carries the cause's words: across the engine thread only the message goes.
      const failure = new OffloadError(
        "CommitFailed",
        `The database transaction failed to commit: ${toError(error).message}`,
        { cause: error },
      );
      for (const op of ops) op.reject(failure);
      return;
    }
    this.#groups++;
    this.#ops += ops.length;
    const callbacks = this.#afterCommit.splice(0);
    results.forEach((result, i) => {
      const op = ops[i]!;
      if (result.ok) op.resolve(result.value);
      else op.reject(result.error);
    });
    for (const callback of callbacks) callback();
  }

  /** Flushes what is queued and refuses further work. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Transactions committed and ops they carried: ops/groups is the group-commit factor. */
  get stats(): { groups: number; ops: number } {
    return { groups: this.#groups, ops: this.#ops };
  }
}
