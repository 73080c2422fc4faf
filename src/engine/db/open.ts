import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { OffloadError } from "../../core/errors.js";
import { latestSchemaVersion, type Migration, migrations } from "./migrations.js";

/** How hard a commit waits for the disk. */
export type Durability = "full" | "relaxed";

/**
 * Opens (creating if needed) the database file, sets the pragmas and brings
 * the schema to the latest version. A file written by a newer offload is refused.
 */
export function openDatabase(path: string, durability: Durability): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (e) {
    throw new OffloadError("DatabaseOpenFailed", `Cannot open database ${path}`, { cause: e });
  }
  try {
    if (path !== ":memory:") claimFile(db, path);
    db.pragma("journal_mode = WAL");
    // FULL: a commit returns only after the WAL is synced, so a returned send survives power loss.
    // NORMAL in WAL mode survives a process crash but may lose the last commits on power loss.
    db.pragma(`synchronous = ${durability === "full" ? "FULL" : "NORMAL"}`);
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -16000");
    migrate(db, path, migrations);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Makes the file this connection's alone until it closes: the engine keeps
 * queues in memory and wakes its own long polls, so a second process on the
 * same file would serve stale queue settings and leave its sends unseen by
 * the first one's receivers for up to a long poll. SQLite's exclusive
 * locking mode, set before WAL is entered, keeps the lock from the first
 * write on and keeps the WAL index in this process's memory; the empty
 * exclusive transaction takes the lock now. The operating system drops the
 * lock when the process ends, however it ends.
 */
function claimFile(db: Database.Database, path: string): void {
  db.pragma("locking_mode = EXCLUSIVE");
  try {
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (e) {
    if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
    throw new OffloadError(
      "DatabaseInUse",
      `Database ${path} is in use by another process (another offload dev or start?): stop it, or use another database file`,
      { cause: e },
    );
  }
}

export function migrate(db: Database.Database, path: string, steps: readonly Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = steps.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new OffloadError(
      "DatabaseTooNew",
      `Database ${path} has schema version ${current}, but this offload knows versions up to ${latest}: it was written by a newer offload. Upgrade offload or use another database file.`,
    );
  }
  const pending = steps.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const step of pending) {
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    })();
  }
}

export { latestSchemaVersion };
