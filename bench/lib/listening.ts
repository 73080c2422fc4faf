import { type ChildProcess, spawn } from "node:child_process";

/**
 * Runs `node <args>` in `cwd` with `env` added, and resolves once it logs that it is
 * listening (`offload start`'s line, or a bench server's in the same JSON shape), with its URL.
 */
export function startListening(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((done, fail) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split("\n")) {
        if (!line.includes("offload is listening")) continue;
        const url = String((JSON.parse(line) as { url: string }).url);
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        done({ url, child });
        return;
      }
    });
    child.once("exit", (code) => fail(new Error(`server exited with ${code} before listening`)));
  });
}
