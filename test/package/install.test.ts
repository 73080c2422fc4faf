import { type ExecFileException, execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Server, spawnCommandLogged } from "../e2e/server.js";

// The package as a new user meets it: `npm pack`, the tarball installed into an
// app outside the repository with only its declared dependencies, and the
// README's "Use it in your app" section followed as written: its commands run
// as they stand (each is looked up in the README), its files written from
// its code blocks. The one change: the app listens on a free port, not 3000.

const repo = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(repo, "README.md"), "utf8");
const section = (() => {
  const start = readme.indexOf("## Use it in your app");
  const end = readme.indexOf("\n## ", start + 1);
  if (start < 0 || end < 0) throw new Error('README.md has no "## Use it in your app" section');
  return readme.slice(start, end);
})();

/** The section's code blocks that name a file: ```ts file=jobs/x.ts */
const files = [...section.matchAll(/```\w+ file=(\S+)\n([\s\S]*?)```/g)].map((m) => ({
  path: m[1]!,
  content: m[2]!,
}));

/** A command of the section's shell blocks, as it stands there. */
function readmeCommand(line: string): string {
  const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]!.split("\n").map((l) => l.trim()),
  );
  if (!commands.includes(line))
    throw new Error(`README's "Use it in your app" has no command ${line}`);
  return line;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(command: string, cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(
      "sh",
      ["-c", command],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error: ExecFileException | null, stdout, stderr) =>
        resolvePromise({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(command: string, cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const run = await sh(command, cwd, env);
  if (run.code !== 0)
    throw new Error(`${command} exited ${run.code}\n${run.stdout}\n${run.stderr}`.slice(0, 8000));
  return run;
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

const MINUTES = 60_000;
let root: string;
let app: string;
let port: number;
let env: Record<string, string>;
let server: Omit<Server, "url"> | undefined;
/** The log line of the job the compiled client sent on Node 20. */
let graceRun: Record<string, unknown> | undefined;

beforeAll(async () => {
  root = join(tmpdir(), `offload-user-${process.pid}-${Date.now()}`);
  // The tarball beside the app, where the README's install line looks for it. dist/ is
  // built before the tests (npm test's pretest); packing without scripts keeps it as it is.
  mkdirSync(join(root, "offload"), { recursive: true });
  await ok(`npm pack --ignore-scripts --silent --pack-destination ${join(root, "offload")}`, repo);
  const install = section.match(/```sh\n(mkdir my-app[\s\S]*?)```/)?.[1];
  if (!install) throw new Error("README's install block is missing");
  await ok(`set -e\n${install}`, root);
  app = join(root, "my-app");
  port = await freePort();
  env = { OFFLOAD_PORT: String(port) };
  for (const file of files) {
    mkdirSync(dirname(join(app, file.path)), { recursive: true });
    writeFileSync(
      join(app, file.path),
      file.content.replaceAll("localhost:3000", `localhost:${port}`),
    );
  }
}, 10 * MINUTES);

afterAll(async () => {
  if (server) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  if (root) rmSync(root, { recursive: true, force: true });
}, 2 * MINUTES);

describe("the packed package, installed into a new app as the README says", () => {
  it("ships compiled JavaScript and types, and pulls in no AWS or CDK package", () => {
    const installed = join(app, "node_modules", "offload");
    expect(existsSync(join(installed, "dist", "core", "index.js"))).toBe(true);
    expect(existsSync(join(installed, "dist", "core", "index.d.ts"))).toBe(true);
    expect(existsSync(join(installed, "src"))).toBe(false);
    expect(existsSync(join(installed, "LICENSE"))).toBe(true);
    for (const name of [
      "@aws-sdk/client-sqs",
      "@aws-sdk/client-sns",
      "@aws-sdk/client-dynamodb",
      "aws-cdk-lib",
      "cdk-nag",
      "constructs",
    ]) {
      expect(existsSync(join(app, "node_modules", name)), name).toBe(false);
    }
  });

  it("imports from plain Node, without any loader", async () => {
    const run = await ok(
      `node -e 'import("offload").then((m) => console.log(typeof m.createClient, typeof m.defineJob))'`,
      app,
    );
    expect(run.stdout.trim()).toBe("function function");
  });

  it(
    "runs the app, and takes a job from the CLI and from the typed client compiled by tsc",
    async () => {
      expect((await ok("npx offload --help", app)).stdout).toContain("Usage: offload");
      // What npx runs, started directly so that the test's SIGTERM reaches the app itself.
      const [, command, ...args] = readmeCommand("npx offload start").split(" ");
      const running = spawnCommandLogged(
        app,
        join(app, "node_modules", ".bin", command!),
        args,
        env,
      );
      server = running;
      await running.waitForLog((l) => String(l.msg).startsWith("offload is listening"));

      const send = await ok(
        readmeCommand(`npx offload send send-welcome-email '{"email":"ada@example.com"}'`),
        app,
        env,
      );
      expect(send.stdout).toMatch(/[0-9a-f-]{36}/);
      await running.waitForLog((l) => l.msg === "Welcome mail sent to ada@example.com");

      await ok(readmeCommand("npx tsc --init"), app);
      const compiled = await ok(
        readmeCommand("npx tsc --outDir build && node build/src/sign-up.js"),
        app,
      );
      const id = /queued (\S+)/.exec(compiled.stdout)?.[1];
      expect(id).toBeDefined();
      const ran = await running.waitForLog(
        (l) => l.msg === "Welcome mail sent to grace@example.com",
      );
      expect(ran.jobName).toBe("send-welcome-email");
      graceRun = ran;
    },
    5 * MINUTES,
  );

  it(
    "imports, sends with the typed client and shows --help on Node 22 too",
    async () => {
      // Node 22 from the npm registry's node package, in a folder of its own. The app's
      // better-sqlite3 is built for this Node 20, so the app itself keeps running there.
      const scratch = join(root, "node22");
      mkdirSync(scratch);
      await ok("npm install --no-audit --no-fund --silent node@22", scratch);
      const node22 = join(scratch, "node_modules", ".bin", "node");
      expect((await ok(`${node22} --version`, app)).stdout).toMatch(/^v22\./);
      const imported = await ok(
        `${node22} -e 'import("offload").then((m) => console.log(typeof m.createClient))'`,
        app,
      );
      expect(imported.stdout.trim()).toBe("function");
      const help = await ok(`${node22} node_modules/offload/bin/offload.mjs --help`, app);
      expect(help.stdout).toContain("Usage: offload");
      // The app's better-sqlite3 was built for Node 20: starting it on Node 22 says so, and how to
      // rebuild, instead of blaming the database.
      const started = await sh(`${node22} node_modules/offload/bin/offload.mjs start`, app, {
        OFFLOAD_PORT: "0",
        OFFLOAD_DB: join(root, "node22", "app.db"),
      });
      expect(started.code).toBe(1);
      expect(started.stderr).toMatch(
        /^offload: SQLite's native module \(better-sqlite3\) does not load in Node\.js v22\..*npm rebuild better-sqlite3/,
      );
      const sent = await ok(`${node22} build/src/sign-up.js`, app);
      expect(sent.stdout).toMatch(/^queued \S+/);
      await server!.waitForLog(
        (l) => l.msg === "Welcome mail sent to grace@example.com" && l !== graceRun,
      );
    },
    5 * MINUTES,
  );

  it(
    "has declarations that compile under strict with skipLibCheck off, and type the payloads",
    async () => {
      // tsc --init ran in the test before; its strict settings stay, the library's .d.ts are checked too.
      await ok("npx tsc --noEmit --skipLibCheck false", app);
      writeFileSync(
        join(app, "src", "wrong.ts"),
        `import { offload } from "./offload.js";\nawait offload.send("send-welcome-email", { email: 42 });\nawait offload.send("no-such-job", {});\n`,
      );
      const wrong = await sh("npx tsc --noEmit", app);
      rmSync(join(app, "src", "wrong.ts"));
      expect(wrong.code).not.toBe(0);
      expect(wrong.stdout).toMatch(
        /src\/wrong\.ts\(2,.*'number' is not assignable to type 'string'/,
      );
      expect(wrong.stdout).toMatch(/src\/wrong\.ts\(3,.*"no-such-job"/);
    },
    5 * MINUTES,
  );

  it(
    "says which packages synth needs until they are installed, then synthesizes",
    async () => {
      const missing = await sh(readmeCommand("npx offload synth"), app, env);
      expect(missing.code).toBe(2);
      const installLine = /npm install -D .*$/.exec(missing.stderr.trim())?.[0];
      expect(missing.stderr).toMatch(
        /^offload: offload synth needs aws-cdk-lib, constructs, cdk-nag, not installed in this app: npm install -D /,
      );
      await ok(readmeCommand(installLine!), app);
      const synth = await ok("npx offload synth", app, env);
      expect(synth.stdout).toMatch(/send-welcome-email\s+my-app-dev-send-welcome-email/);
    },
    10 * MINUTES,
  );
});
