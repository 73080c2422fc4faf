import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { toError } from "../core/errors.js";
import { exitOnSignals } from "../runtime/index.js";
import { startLocalApp } from "./app.js";
import {
  dlqListCommand,
  dlqPurgeCommand,
  dlqRedriveCommand,
  type Output,
  sendCommand,
  statsCommand,
} from "./commands/client-commands.js";
import { environment, loadConfig } from "./config.js";
import { AppClient } from "./http-client.js";
import { createCliLogger } from "./logger.js";

const USAGE_ERROR = 2;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * The `offload` command. Resolves with the exit code for one-shot commands;
 * `dev` and `start` run until a signal stops them.
 */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const program = new Command("offload")
    .description(
      "Background jobs for TypeScript web applications: SQS and SNS semantics locally, the same job files on AWS.",
    )
    .option("-c, --config <file>", "config file (default: offload.config.ts in the current folder)")
    .option("--json", "machine-readable output")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText(
      "after",
      `\nConfiguration: offload.config.ts (export default defineConfig({...})), overridden by:\n${Object.entries(
        environment,
      )
        .map(([name, what]) => `  ${name.padEnd(22)} ${what}`)
        .join(
          "\n",
        )}\n\nClient commands talk to a running app: --url (default http://localhost:3000, or OFFLOAD_URL), --api-key (or OFFLOAD_API_KEY).`,
    );

  const serveCommand = (name: "dev" | "start", description: string) =>
    program
      .command(name)
      .description(description)
      .option("-p, --port <port>", "port to listen on", (v) => parsePort(v))
      .option("--host <host>", "host to listen on")
      .option("--db <file>", "database file")
      .option("--jobs <dir>", "jobs folder")
      .action(async (options: { port?: number; host?: string; db?: string; jobs?: string }) => {
        const global = program.opts<{ config?: string }>();
        const config = await loadConfig({
          cwd: io.cwd,
          configPath: global.config,
          env: io.env,
          mode: name,
          overrides: {
            ...(options.port === undefined ? {} : { port: options.port }),
            ...(options.host === undefined ? {} : { host: options.host }),
            ...(options.db === undefined ? {} : { database: options.db }),
            ...(options.jobs === undefined ? {} : { jobsDir: options.jobs }),
          },
        });
        const logger = createCliLogger(
          config.logLevel,
          name === "dev" ? "pretty" : "json",
          (line) => io.out(line.trimEnd()),
        );
        const app = await startLocalApp(config, { watch: name === "dev", logger });
        exitOnSignals(() => app.stop(), logger);
        await new Promise(() => {}); // runs until a signal
      });
  serveCommand(
    "dev",
    "run the jobs, the API and the pages; restart the jobs when their files change",
  );
  serveCommand(
    "start",
    "run the jobs, the API and the pages with production settings (durable, JSON logs)",
  );

  const client = (cmd: Command) =>
    cmd
      .addOption(
        new Option("--url <url>", "the app's URL")
          .env("OFFLOAD_URL")
          .default("http://localhost:3000"),
      )
      .addOption(new Option("--api-key <key>", "bearer token").env("OFFLOAD_API_KEY"));
  const appClient = (options: { url: string; apiKey?: string }) =>
    new AppClient(options.url, options.apiKey);
  const output = (): Output => ({
    json: Boolean(program.opts<{ json?: boolean }>().json),
    out: io.out,
    err: io.err,
  });

  client(
    program
      .command("send <job> <payload>")
      .description("send a job; <payload> is JSON, or @file to read it from a file"),
  )
    .option("--delay <delay>", 'deliver later: seconds, "90s" or "2m" (up to 15m)')
    .action(
      (job: string, payload: string, options: { url: string; apiKey?: string; delay?: string }) =>
        sendCommand(appClient(options), output(), job, payload, options.delay),
    );
  client(
    program.command("stats").description("queue depth, DLQ, alarm and counts of every job"),
  ).action((options: { url: string; apiKey?: string }) =>
    statsCommand(appClient(options), output()),
  );
  const dlq = program.command("dlq").description("inspect and act on a job's dead-letter queue");
  client(dlq.command("list <job>").description("the messages in the job's DLQ, oldest first"))
    .option("--limit <n>", "how many (1-1000)", (v) => parseLimit(v), 100)
    .action((job: string, options: { url: string; apiKey?: string; limit: number }) =>
      dlqListCommand(appClient(options), output(), job, options.limit),
    );
  client(
    dlq
      .command("redrive <job>")
      .description("move DLQ messages back to the job's queue (all, or --id ...)"),
  )
    .option("--id <messageId...>", "only these messages")
    .action((job: string, options: { url: string; apiKey?: string; id?: string[] }) =>
      dlqRedriveCommand(appClient(options), output(), job, options.id),
    );
  client(dlq.command("purge <job>").description("delete every message in the job's DLQ"))
    .option("--yes", "confirm")
    .action((job: string, options: { url: string; apiKey?: string; yes?: boolean }) =>
      dlqPurgeCommand(appClient(options), output(), job, Boolean(options.yes)),
    );

  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === "commander.helpDisplayed" ||
        e.code === "commander.version" ||
        e.exitCode === 0
      )
        return 0;
      return USAGE_ERROR;
    }
    const error = toError(e);
    io.err(`offload: ${error.message}`);
    return 1;
  }
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`must be 0 to 65535; got ${value}`);
  return n;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError(`must be 1 to 1000; got ${value}`);
  return n;
}

function defaultIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}
