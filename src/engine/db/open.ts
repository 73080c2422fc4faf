import { accessSync, constants, mkdirSync, type Stats, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { OffloadError, toError } from "../../core/errors.js";
import { latestSchemaVersion, type Migration, migrations } from "./migrations.js";

/** How hard a commit waits for the disk. */
export type Durability = "full" | "relaxed";

/**
 * Opens (creating if needed) the database file, sets the pragmas and brings
 * the schema to the latest version. A file written by a newer offload is refused
 * (`DatabaseTooNew`), one another engine holds too (`DatabaseInUse`); any other
 * failure is one `DatabaseOpenFailed` naming the path, the reason and what to do.
 */
export function openDatabase(path: string, durability: Durability): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (e) {
    // better-sqlite3 loads its native module with the first database it opens.
    if ((e as { code?: unknown }).code === "ERR_DLOPEN_FAILED") throw nativeModuleFailed(e);
    throw openFailed(path, e);
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
    if (e instanceof OffloadError) throw e;
    throw openFailed(path, e);
  }
}

/**
 * better-sqlite3's compiled module does not load: most often it was built for
 * another Node.js (an app installed with Node 20, run with Node 22). Nothing
 * is wrong with the database, and the message says so.
 */
function nativeModuleFailed(thrown: unknown): OffloadError {
  // Node's words span lines: "The module '…' / was compiled against … NODE_MODULE_VERSION 115. / …".
  const said = toError(thrown)
    .message.replace(/\s*\n\s*/g, " ")
    .slice(0, 400);
  return new OffloadError(
    "SqliteModuleFailed",
    `SQLite's native module (better-sqlite3) does not load in Node.js ${process.version}: it was built for another Node.js version or platform, and the database itself is untouched. Rebuild it with this Node.js: npm rebuild better-sqlite3 (${said})`,
    { cause: thrown },
  );
}

/** Where the CLI takes the database path from, for the hints. */
const SETTING = "OFFLOAD_DB (or database in offload.config.ts)";

/**
 * The error for a database that could not be opened or set up. The CLI prints
 * only the message, and an engine thread passes on only the message, so it
 * carries SQLite's (or the system's) own words besides the cause. A reason is
 * named only once checked on the file system; else SQLite's words stand alone.
 */
function openFailed(path: string, thrown: unknown): OffloadError {
  const error = toError(thrown);
  const code = (error as { code?: unknown }).code;
  const sqlite = typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
  // Node's system errors start with their code ("EEXIST: file already exists, mkdir '...'").
  const said = `(${sqlite ? `SQLite error ${sqlite}: ` : ""}${error.message})`;
  const file = path === ":memory:" ? path : resolve(path);
  return new OffloadError(
    "DatabaseOpenFailed",
    `Cannot use the database ${file}: ${path === ":memory:" ? `it could not be set up ${said}` : reasonOf(file, code, sqlite, said)}`,
    { cause: thrown },
  );
}

/**
 * Why the file at `file` (absolute) cannot be used, with what to do. `code` is
 * the error's (SQLite's or the system's), `sqlite` that code if it is SQLite's,
 * `said` the error's own words.
 */
function reasonOf(file: string, code: unknown, sqlite: string | undefined, said: string): string {
  const notFolder = firstNonFolder(dirname(file));
  if (notFolder !== undefined) {
    return `its path goes through ${notFolder}, which is a file, not a folder ${said}; move that file away, or set ${SETTING} to a path in another folder`;
  }
  const stats = statOf(file);
  if (stats?.isDirectory()) {
    return `it is a directory, not a file ${said}; set ${SETTING} to a file path`;
  }
  if (sqlite === "SQLITE_NOTADB") {
    return `it is not an offload database ${said}; set ${SETTING} to another file, or move this one away to start empty`;
  }
  if (sqlite?.startsWith("SQLITE_CORRUPT")) {
    return `it is damaged ${said}: restore it from a backup, or move it (with its -wal and -shm files, if any) away to start empty`;
  }
  if (stats && !writable(file)) {
    return `the file is read-only ${said}; make it writable, or set ${SETTING} to a writable path`;
  }
  const folder = nearestFolder(dirname(file));
  if (!writable(folder)) {
    return stats
      ? `its folder ${folder} is read-only, and SQLite writes ${basename(file)}-wal and ${basename(file)}-shm beside the file ${said}; make the folder writable, or set ${SETTING} to a path in a writable folder`
      : `the folder ${folder} is read-only, so ${folder === dirname(file) ? "the file" : `its folder ${dirname(file)}`} cannot be created in it ${said}; make the folder writable, or set ${SETTING} to a path in a writable folder`;
  }
  if (code === "SQLITE_FULL" || code === "ENOSPC") {
    return `there is no space left to write it ${said}; free some disk space`;
  }
  return `it could not be opened or set up ${said}`;
}

/** The stats of `path`, undefined if it cannot be read (missing, or a file on the way). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The first of `dir` and its ancestors that exists; undefined if it is a folder, else that path. */
function firstNonFolder(dir: string): string | undefined {
  for (let p = dir; ; p = dirname(p)) {
    const stats = statOf(p);
    if (stats) return stats.isDirectory() ? undefined : p;
    if (dirname(p) === p) return undefined;
  }
}

/** The nearest of `dir` and its ancestors that exists (the folder a new file or folder goes in). */
function nearestFolder(dir: string): string {
  for (let p = dir; ; p = dirname(p)) {
    if (statOf(p) !== undefined || dirname(p) === p) return p;
  }
}

/** Whether this process may write `path` (false for a read-only file, folder or file system). */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
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
