import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

/** A running `moto_server` on a loopback port. */
export interface MotoServer {
  /** The endpoint to give an AWS SDK client, e.g. `http://127.0.0.1:38869`. */
  readonly endpoint: string;
  /** Stops the server and waits for the process to exit. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /**
   * How long to wait for moto_server to report the port it listens on.
   * @defaultValue 20_000
   */
  readonly startTimeoutMs?: number;
}

/**
 * Starts `moto_server -H 127.0.0.1 -p 0` and resolves once it has bound its
 * port. With port 0 the OS picks a free port and werkzeug prints the real one
 * (` * Running on http://127.0.0.1:PORT`), which is the event waited on: no
 * guessed port to race for, no sleep. Missing `moto_server` is a failure, not
 * a skip: CI installs it (`pip install 'moto[server]'`).
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let output = "";
  // `once` rejects on "error" (ENOENT); that case is reported below, so only the exit matters here.
  const exited = once(child, "exit").catch(() => undefined);

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`moto_server did not report its port within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        cleanup();
        resolve(Number(match[1]));
      }
    };
    const onError = (error: NodeJS.ErrnoException) => {
      fail(
        error.code === "ENOENT"
          ? new Error(
              "moto_server is not on PATH. The moto conformance suite needs it: " +
                "pip install 'moto[server]>=5'",
              { cause: error },
            )
          : error,
      );
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      fail(
        new Error(
          `moto_server exited (code ${code}, signal ${signal}) before listening:\n${output}`,
        ),
      );
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("error", onError);
      child.off("exit", onExit);
    }
    function fail(error: Error) {
      cleanup();
      stopChild(child, exited).finally(() => reject(error));
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", onError);
    child.on("exit", onExit);
  });

  // Keep draining moto's request log so a full pipe never blocks it.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.pid === undefined) return; // never started (ENOENT)
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await exited;
}
