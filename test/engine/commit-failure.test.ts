import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OffloadError } from "../../src/core/errors.js";
import { Committer } from "../../src/engine/committer.js";
import { openDatabase } from "../../src/engine/db/open.js";
import { createEngine } from "../../src/engine/index.js";
import { tempDir } from "../support/temp.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A committer on a real file whose database may not grow: a write needing a new page fails as on a full disk. */
function fullDatabase() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const db = openDatabase(join(dir, "full.db"), "full");
  cleanups.push(() => {
    db.close();
  });
  db.exec("CREATE TABLE notes (text TEXT)");
  db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true })}`);
  const insert = db.prepare("INSERT INTO notes VALUES (?)");
  const count = () => (db.prepare("SELECT count(*) AS n FROM notes").get() as { n: number }).n;
  return { db, committer: new Committer(db, true), insert, count };
}

describe("a commit that fails", () => {
  it("fails its whole group with CommitFailed naming SQLite's reason, and keeps nothing of it", async () => {
    const { committer, insert, count } = fullDatabase();
    // Three ops of one group; the second needs pages the file may not have. SQLite
    // then rolls back the whole transaction, the first op's row with it.
    const results = await Promise.allSettled([
      committer.run(() => insert.run("fits, before")),
      committer.run(() => insert.run("x".repeat(100_000))),
      committer.run(() => insert.run("fits, after")),
    ]);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      const error = (result as PromiseRejectedResult).reason as OffloadError;
      expect(error).toBeInstanceOf(OffloadError);
      expect(error.code).toBe("CommitFailed");
      expect(error.message).toBe(
        "The database transaction failed to commit: database or disk is full",
      );
      expect(error.cause).toMatchObject({ code: "SQLITE_FULL" });
    }
    // Not even the op after the failing one, which would otherwise run outside the
    // rolled-back transaction and be committed on its own while reported failed.
    expect(count()).toBe(0);
  });

  it("leaves the committer working for the next group", async () => {
    const { committer, insert, count } = fullDatabase();
    await expect(committer.run(() => insert.run("x".repeat(100_000)))).rejects.toMatchObject({
      code: "CommitFailed",
    });
    await expect(committer.run(() => insert.run("fits").changes)).resolves.toBe(1);
    expect(count()).toBe(1);
  });

  it("names SQLite's reason when the engine's write to the disk is refused at commit", async (ctx) => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, "offload.db");
    const engine = createEngine({ path });
    cleanups.push(() => engine.close());
    const { QueueUrl } = await engine.sqs.createQueue({ QueueName: "jobs" });
    // The immutable flag refuses writes even through the WAL's open descriptor, root's included.
    try {
      execFileSync("chattr", ["+i", `${path}-wal`], { stdio: "ignore" });
    } catch {
      ctx.skip();
    }
    let writable = false;
    const makeWritable = () => {
      if (!writable) execFileSync("chattr", ["-i", `${path}-wal`], { stdio: "ignore" });
      writable = true;
    };
    cleanups.push(makeWritable);
    const refused = engine.sqs.sendMessage({ QueueUrl, MessageBody: "refused" });
    await expect(refused).rejects.toMatchObject({
      code: "CommitFailed",
      message: "The database transaction failed to commit: disk I/O error",
      cause: { code: "SQLITE_IOERR_WRITE" },
    });
    makeWritable();
    await engine.sqs.sendMessage({ QueueUrl, MessageBody: "kept" });
    expect((await engine.queueStats(QueueUrl)).visible).toBe(1);
  });
});
