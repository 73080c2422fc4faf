import { execFileSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OffloadError } from "../../src/core/errors.js";
import { openDatabase } from "../../src/engine/db/open.js";
import { createEngine } from "../../src/engine/index.js";
import { tempDir } from "../support/temp.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

function folder(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}

const SETTING = "OFFLOAD_DB (or database in offload.config.ts)";

/** The error createEngine throws for `path`. */
function openError(path: string): OffloadError {
  let engine: ReturnType<typeof createEngine>;
  try {
    engine = createEngine({ path });
  } catch (e) {
    expect(e).toBeInstanceOf(OffloadError);
    return e as OffloadError;
  }
  void engine.close();
  throw new Error(`${path} opened`);
}

/** `cause`'s code, as SQLite or Node set it. */
const causeCode = (error: Error) => (error.cause as { code?: unknown } | undefined)?.code;

/**
 * Makes `path` read-only for this process: `chattr +i` (root ignores permission
 * bits, not the immutable flag), else permission bits. False when neither took
 * (root without CAP_LINUX_IMMUTABLE, or a file system without the flag).
 */
function makeReadOnly(path: string): boolean {
  try {
    execFileSync("chattr", ["+i", path], { stdio: "ignore" });
    cleanups.push(() => execFileSync("chattr", ["-i", path], { stdio: "ignore" }));
  } catch {
    const mode = statSync(path).mode;
    chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
    cleanups.push(() => chmodSync(path, mode));
  }
  try {
    accessSync(path, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

describe("a database that cannot be used is one DatabaseOpenFailed naming the path, the reason and what to do", () => {
  it("a directory", () => {
    const path = join(folder(), "dir.db");
    mkdirSync(path);
    const error = openError(path);
    expect(error.code).toBe("DatabaseOpenFailed");
    expect(error.message).toBe(
      `Cannot use the database ${path}: it is a directory, not a file (SQLite error SQLITE_CANTOPEN: unable to open database file); set ${SETTING} to a file path`,
    );
    expect(causeCode(error)).toBe("SQLITE_CANTOPEN");
  });

  it("a file that is not a SQLite database", () => {
    const path = join(folder(), "garbage.db");
    writeFileSync(path, Buffer.alloc(8192, "garbage "));
    const error = openError(path);
    expect(error.code).toBe("DatabaseOpenFailed");
    expect(error.message).toBe(
      `Cannot use the database ${path}: it is not an offload database (SQLite error SQLITE_NOTADB: file is not a database); set ${SETTING} to another file, or move this one away to start empty`,
    );
    expect(causeCode(error)).toBe("SQLITE_NOTADB");
  });

  it("a damaged database", () => {
    const path = join(folder(), "damaged.db");
    openDatabase(path, "full").close();
    // Past the 100-byte header, page 1 holds the schema: damage it.
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(200, 0xff), 0, 200, 100);
    closeSync(fd);
    const error = openError(path);
    expect(error.code).toBe("DatabaseOpenFailed");
    expect(error.message).toBe(
      `Cannot use the database ${path}: it is damaged (SQLite error SQLITE_CORRUPT: database disk image is malformed): restore it from a backup, or move it (with its -wal and -shm files, if any) away to start empty`,
    );
    expect(causeCode(error)).toBe("SQLITE_CORRUPT");
  });

  it("a path that goes through a file", () => {
    const dir = folder();
    const file = join(dir, "afile");
    writeFileSync(file, "not a folder");
    for (const [path, os] of [
      [join(file, "offload.db"), `EEXIST: file already exists, mkdir '${file}'`],
      [join(file, "deeper", "offload.db"), `ENOTDIR: not a directory, mkdir '${file}/deeper'`],
    ] as const) {
      const error = openError(path);
      expect(error.code).toBe("DatabaseOpenFailed");
      expect(error.message).toBe(
        `Cannot use the database ${path}: its path goes through ${file}, which is a file, not a folder (${os}); move that file away, or set ${SETTING} to a path in another folder`,
      );
      expect(causeCode(error)).toBe(os.slice(0, os.indexOf(":")));
    }
  });

  it("a read-only file", (ctx) => {
    const path = join(folder(), "offload.db");
    openDatabase(path, "full").close();
    if (!makeReadOnly(path)) ctx.skip();
    const error = openError(path);
    expect(error.code).toBe("DatabaseOpenFailed");
    expect(error.message).toMatch(
      new RegExp(
        `^Cannot use the database ${literal(path)}: the file is read-only \\(SQLite error SQLITE_[A-Z_]+: [^)]+\\); make it writable, or set ${literal(SETTING)} to a writable path$`,
      ),
    );
    expect(causeCode(error)).toMatch(/^SQLITE_/);
  });

  it("a database in a read-only folder", (ctx) => {
    const dir = folder();
    const path = join(dir, "offload.db");
    openDatabase(path, "full").close();
    if (!makeReadOnly(dir)) ctx.skip();
    const error = openError(path);
    expect(error.code).toBe("DatabaseOpenFailed");
    expect(error.message).toMatch(
      new RegExp(
        `^Cannot use the database ${literal(path)}: its folder ${literal(dir)} is read-only, and SQLite writes offload\\.db-wal and offload\\.db-shm beside the file \\(SQLite error SQLITE_[A-Z_]+: [^)]+\\); make the folder writable, or set ${literal(SETTING)} to a path in a writable folder$`,
      ),
    );
  });

  it("a new database in a read-only folder, or in a folder to be made there", (ctx) => {
    const dir = folder();
    if (!makeReadOnly(dir)) ctx.skip();
    const path = join(dir, "new.db");
    const error = openError(path);
    expect(error.code).toBe("DatabaseOpenFailed");
    expect(error.message).toBe(
      `Cannot use the database ${path}: the folder ${dir} is read-only, so the file cannot be created in it (SQLite error SQLITE_CANTOPEN: unable to open database file); make the folder writable, or set ${SETTING} to a path in a writable folder`,
    );
    const deeper = join(dir, "sub", "new.db");
    const mkdirError = openError(deeper);
    expect(mkdirError.code).toBe("DatabaseOpenFailed");
    expect(mkdirError.message).toMatch(
      new RegExp(
        `^Cannot use the database ${literal(deeper)}: the folder ${literal(dir)} is read-only, so its folder ${literal(dir)}/sub cannot be created in it \\((EACCES|EPERM|EROFS): [^)]+, mkdir '${literal(dir)}/sub'\\); make the folder writable`,
      ),
    );
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
