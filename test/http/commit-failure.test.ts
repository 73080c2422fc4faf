import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { COMMIT_RETRY_AFTER_SECONDS } from "../../src/http/errors.js";
import { type ApiStack, postJson, startApiStack } from "./support.js";

let stack: ApiStack | undefined;
let writableAgain: (() => void) | undefined;
afterEach(async () => {
  writableAgain?.();
  writableAgain = undefined;
  await stack?.close();
  stack = undefined;
});

/**
 * Makes writes to `path` fail, even through a descriptor already open: the
 * immutable flag (`chattr +i`) refuses them with EPERM, root's included. False
 * where it cannot be set (no CAP_LINUX_IMMUTABLE, or a file system without it).
 */
function refuseWrites(path: string): boolean {
  try {
    execFileSync("chattr", ["+i", path], { stdio: "ignore" });
  } catch {
    return false;
  }
  writableAgain = () => execFileSync("chattr", ["-i", path], { stdio: "ignore" });
  return true;
}

const send = (friendName: string) =>
  postJson(`${stack!.url}/jobs`, { jobName: "greeting", payload: { friendName } });

describe("POST /jobs when the database fails to commit", () => {
  it("answers 503 CommitFailed with Retry-After, stores nothing, and takes jobs again once it can", async (ctx) => {
    stack = await startApiStack();
    expect((await send("Ann")).status).toBe(202);
    // The engine writes each commit to the WAL (open since the first commit); refuse that write.
    if (!refuseWrites(`${stack.path}-wal`)) ctx.skip();

    const refused = await send("Bob");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe(String(COMMIT_RETRY_AFTER_SECONDS));
    expect(await refused.json()).toEqual({
      error: {
        code: "CommitFailed",
        message: `The server's database failed to commit this request's write, so it was not stored (a job sent was not queued; a redrive may have moved some messages before the failure): retry in ${COMMIT_RETRY_AFTER_SECONDS} seconds`,
      },
    });

    writableAgain?.();
    writableAgain = undefined;
    expect((await send("Bob")).status).toBe(202);
    // Ann and Bob's retry: the refused send left nothing behind.
    expect(await stack.stored()).toBe(2);
  });
});
