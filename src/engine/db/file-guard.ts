import { type Stats, statSync } from "node:fs";
import { resolve } from "node:path";
import { OffloadError } from "../../core/errors.js";

/** Which file a path named when it was checked: its device and inode. */
interface FileId {
  dev: number;
  ino: number;
}

/**
 * Tells when the database file (or its `-wal`, which holds the commits not yet
 * checkpointed into it) is no longer the file at its path: deleted, moved away
 * or replaced under the running engine. SQLite goes on writing to the open
 * file, which no path names any more, so every commit from then on would be
 * lost at the next start; the engine refuses new work instead (see
 * `DatabaseGone`). A check is two `stat` calls (measured: about 17 µs on a
 * busy machine, against a commit's sync of a millisecond or more).
 */
export class DatabaseFileGuard {
  readonly #file: string;
  readonly #db: FileId;
  /** The -wal's identity, once it exists (SQLite creates it at the first write in WAL mode). */
  #wal: FileId | undefined;
  #gone: OffloadError | undefined;

  /** `path`: the database file, open now. Throws if it cannot be read. */
  constructor(path: string) {
    this.#file = resolve(path);
    this.#db = idOf(statSync(this.#file));
    this.#wal = idOf(statSync(`${this.#file}-wal`, { throwIfNoEntry: false }));
  }

  /** The error new work is refused with, once the file (or its -wal) is gone; undefined while it is there. */
  check(): OffloadError | undefined {
    if (this.#gone) return this.#gone;
    const problem =
      problemOf("The database file", this.#file, this.#db) ??
      (this.#wal === undefined
        ? undefined
        : problemOf("The database's write-ahead log", `${this.#file}-wal`, this.#wal));
    if (problem !== undefined) {
      this.#gone = new OffloadError(
        "DatabaseGone",
        `${problem} while offload ran: it takes no new work, since nothing written now would be there after a restart (jobs already queued still run). Stop offload, put the file back from a backup or start afresh, and start it again`,
      );
      return this.#gone;
    }
    if (this.#wal === undefined) {
      this.#wal = idOf(statSync(`${this.#file}-wal`, { throwIfNoEntry: false }));
    }
    return undefined;
  }
}

function idOf(stats: Stats): FileId;
function idOf(stats: Stats | undefined): FileId | undefined;
function idOf(stats: Stats | undefined): FileId | undefined {
  return stats === undefined ? undefined : { dev: stats.dev, ino: stats.ino };
}

/** What happened to the file once at `path`, or undefined if it is still there. */
function problemOf(what: string, path: string, was: FileId): string | undefined {
  let now: Stats | undefined;
  try {
    now = statSync(path, { throwIfNoEntry: false });
  } catch {
    // A folder on the way that is no longer one, or no longer readable: the file is not reachable.
    now = undefined;
  }
  if (now === undefined) return `${what} ${path} was deleted or moved away`;
  if (now.dev !== was.dev || now.ino !== was.ino) {
    return `${what} ${path} was replaced by another file`;
  }
  return undefined;
}
