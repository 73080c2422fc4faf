import type Database from "better-sqlite3";

/** Prepares each SQL text once and keeps it: call sites stay readable, statements stay cached. */
export class Statements {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Database.Statement>();
  readonly #rawCache = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  get(sql: string): Database.Statement {
    let stmt = this.#cache.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * A statement that returns rows as arrays of column values. Much cheaper on hot paths than row
   * objects, which better-sqlite3 builds property by property.
   */
  raw(sql: string): Database.Statement {
    let stmt = this.#rawCache.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql).raw(true);
      this.#rawCache.set(sql, stmt);
    }
    return stmt;
  }
}
