import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeOrphans } from "../../src/runtime/sandbox/worker-bundle.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("worker folders", () => {
  it("of killed processes are removed; a live process's and other folders are left", async () => {
    const parent = mkdtempSync(join(tmpdir(), "offload-orphans-"));
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const alive = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    cleanups.push(() => alive.kill("SIGKILL"));
    const folders = {
      gone: `offload-workers-${gone.pid}-a1b2c3`,
      alive: `offload-workers-${alive.pid}-d4e5f6`,
      mine: `offload-workers-${process.pid}-g7h8i9`,
      unnamed: "offload-workers-Zq81xY",
      other: `something-${gone.pid}-else`,
    };
    for (const name of Object.values(folders)) mkdirSync(join(parent, name));

    removeOrphans(parent);

    expect(existsSync(join(parent, folders.gone))).toBe(false);
    for (const kept of [folders.alive, folders.mine, folders.unnamed, folders.other]) {
      expect(existsSync(join(parent, kept))).toBe(true);
    }
  });
});
