import { Command, CommanderError, Option } from "commander";
import type { OffloadErrorCode } from "../core/error-codes.js";
import { OffloadError, toError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { exitOnSignals } from "../runtime/shutdown.js";
import type { ServerOptions } from "../server/index.js";
import {
  dlqListCommand,
  dlqPurgeCommand,
  dlqRedriveCommand,
  type Output,
  sendCommand,
  statsCommand,
} from "./commands/client-commands.js";
import { cancelCommand, jobCommand, jobsCommand } from "./commands/job-commands.js";
import { schedulesCommand } from "./commands/schedule-commands.js";
import { appAddress, environment, loadConfig, type ResolvedConfig } from "./config.js";
import { oneLine } from "./format.js";
import { httpJobsClient, type JobsClient } from "./jobs-client.js";
import { type AWS_COMMAND_PACKAGES, requirePackages } from "./optional-packages.js";
import { isUsageError, UsageError } from "./usage-error.js";

const USAGE_ERROR = 2;

interface SynthFlags {
  pr?: string;
  context?: Record<string, string>;
  output?: string;
}

interface ClientOptions {
  /** --url or OFFLOAD_URL; else the address the config gives the app (see appAddress). */
  url?: string;
  apiKey?: string;
  aws?: boolean;
  outputs?: string;
  stack?: string;
  endpointUrl?: string;
}

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
    // Each command's help lists -c and --json too: they go with every command.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      // Usage errors found by the parser read as every other error: one line, "offload: ...".
      outputError: (s, write) => write(`offload: ${s.trim().replace(/^error: /, "")}`),
    })
    .addHelpText(
      "after",
      `\nConfiguration: offload.config.ts (export default defineConfig({...})), overridden by:\n${Object.entries(
        environment,
      )
        .map(([name, what]) => `  ${name.padEnd(22)} ${what}`)
        .join(
          "\n",
        )}\n\nClient commands talk to a running app: --url (or OFFLOAD_URL; default: the config's host and port,\nhttp://localhost:3000), --api-key (or OFFLOAD_API_KEY, or the config's apiKey);\nwith --aws, to the stack \`offload deploy\` deployed, through the outputs file it wrote.`,
    );

  const cliLogger = async (level: ResolvedConfig["logLevel"], format: "pretty" | "json") => {
    const { createCliLogger } = await import("./logger.js");
    return createCliLogger(level, format, (line) => io.out(line.trimEnd()));
  };

  const serveCommand = (name: "dev" | "start", description: string) =>
    program
      .command(name)
      .description(description)
      .option("-p, --port <port>", "port to listen on", intFlag("--port", "InvalidPort", 0, 65535))
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
        const logger = await cliLogger(config.logLevel, name === "dev" ? "pretty" : "json");
        // Loaded here, not above: `offload --help` and the client commands stay quick.
        const { startServer } = await import("../server/index.js");
        const { logUncaughtErrors } = await import("../server/uncaught.js");
        logUncaughtErrors(logger);
        const server = await startServer(
          serverOptions(config, { watch: name === "dev", logger }),
        ).catch((e: unknown) => {
          throw inCliTerms(e, config);
        });
        // At once, in the turn the app started in: a signal that comes after its "listening" line must stop it.
        exitOnSignals(() => server.stop(), logger);
        // Runs until a signal, unless the engine thread dies: then the API cannot answer.
        const error = await server.failed;
        await server.stop().catch(() => {});
        throw error;
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
        new Option(
          "--url <url>",
          "the app's URL (default: the config's host and port, http://localhost:3000)",
        ).env("OFFLOAD_URL"),
      )
      .addOption(new Option("--api-key <key>", "bearer token").env("OFFLOAD_API_KEY"))
      .option(
        "--aws",
        "act on the deployed stack's SQS queues and SNS topic instead of a local app",
      )
      .option(
        "--outputs <file>",
        "with --aws: the stack outputs file (default .offload/cdk-outputs.json)",
      )
      .option("--stack <name>", "with --aws: the stack, when the outputs file holds several")
      .option(
        "--endpoint-url <url>",
        "with --aws: an SQS/SNS endpoint instead of AWS (moto, a local offload)",
      )
      .hook("preAction", (command) => checkClientFlags(command));
  const configFor = (mode: "dev" | "start" | "client") =>
    loadConfig({
      cwd: io.cwd,
      configPath: program.opts<{ config?: string }>().config,
      env: io.env,
      mode,
    });
  const appClient = async (options: ClientOptions): Promise<JobsClient> => {
    // The config is read by every client command, so -c names the app to talk to.
    const config = await configFor("client");
    if (options.aws) {
      const { awsJobsClient } = await loadAwsModule("--aws", () => import("./aws.js"));
      return awsJobsClient(config, {
        outputs: options.outputs,
        stack: options.stack,
        endpointUrl: options.endpointUrl,
        warn: (line) => io.err(`offload: ${line}`),
      });
    }
    return httpJobsClient(options.url ?? appAddress(config), options.apiKey ?? config.apiKey);
  };
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
    .option("--delay <delay>", 'deliver later: seconds, "90s", "2m", "2h" or "30d" (up to 365d)')
    .option(
      "--at <time>",
      'deliver at this ISO 8601 time with its offset, e.g. "2026-03-01T09:00:00Z"',
    )
    .option("--job-id <id>", "the job's own id (default: a new UUIDv7)")
    .option(
      "--idempotency-key <key>",
      "send nothing if a job of this name had this key within its idempotencyWindow",
    )
    .action(
      async (
        job: string,
        payload: string,
        options: ClientOptions & {
          delay?: string;
          at?: string;
          jobId?: string;
          idempotencyKey?: string;
        },
      ) =>
        sendCommand(await appClient(options), output(), job, payload, {
          delay: options.delay,
          at: options.at,
          jobId: options.jobId,
          idempotencyKey: options.idempotencyKey,
        }),
    );
  client(
    program.command("stats").description("queue depth, DLQ, alarm and counts of every job"),
  ).action(async (options: ClientOptions) => statsCommand(await appClient(options), output()));
  client(
    program
      .command("schedules")
      .description("the jobs' recurring schedules: next three due times, last run and its outcome"),
  ).action(async (options: ClientOptions) => schedulesCommand(await appClient(options), output()));
  const dlq = program.command("dlq").description("inspect and act on a job's dead-letter queue");
  client(dlq.command("list <job>").description("the messages in the job's DLQ, oldest first"))
    .option("--limit <n>", "how many (1-1000)", intFlag("--limit", "InvalidLimit", 1, 1000), 100)
    .action(async (job: string, options: ClientOptions & { limit: number }) =>
      dlqListCommand(await appClient(options), output(), job, options.limit),
    );
  client(
    dlq
      .command("redrive <job> [ids...]")
      .description(
        "move DLQ messages back to the job's queue: all, or these job ids (or message ids)",
      ),
  )
    .option("--id <id...>", "only these job ids or message ids (as the [ids...] arguments)")
    .action(async (job: string, ids: string[], options: ClientOptions & { id?: string[] }) => {
      const chosen = [...ids, ...(options.id ?? [])];
      return dlqRedriveCommand(
        await appClient(options),
        output(),
        job,
        chosen.length ? chosen : undefined,
      );
    });
  client(dlq.command("purge <job>").description("delete every message in the job's DLQ"))
    .option("--yes", "confirm")
    .action(async (job: string, options: ClientOptions & { yes?: boolean }) =>
      dlqPurgeCommand(await appClient(options), output(), job, Boolean(options.yes)),
    );
  client(program.command("job <id>").description("a job's state and timeline, by its id")).action(
    async (id: string, options: ClientOptions) =>
      jobCommand(await appClient(options), output(), id),
  );
  client(program.command("jobs").description("jobs newest first, filtered by job, state and time"))
    .option("--job <name>", "only this job's")
    .option("--state <state>", "only jobs in this state (queued, running, failed, …)")
    .option("--since <time>", "only jobs accepted at or after this ISO 8601 time")
    .option("--limit <n>", "how many (1-1000)", intFlag("--limit", "InvalidLimit", 1, 1000), 50)
    .option("--cursor <cursor>", "the next page, as the previous one said")
    .action(
      async (
        options: ClientOptions & {
          job?: string;
          state?: string;
          since?: string;
          limit: number;
          cursor?: string;
        },
      ) => jobsCommand(await appClient(options), output(), options),
    );
  client(
    program
      .command("cancel <id>")
      .description("cancel a job: a queued one never runs, a running one's signal fires"),
  ).action(async (id: string, options: ClientOptions) =>
    cancelCommand(await appClient(options), output(), id),
  );

  const synthOptions = (cmd: Command) =>
    cmd
      .option("--pr <number>", "synthesize the Stack-PR<number> preview stack")
      .option(
        "--context <key=value...>",
        "CDK context values, as cdk -c gives them (pr=<number> is the same as --pr)",
        (value: string, previous: Record<string, string> = {}) => {
          const at = value.indexOf("=");
          if (at < 1)
            throw new UsageError(
              "InvalidContext",
              `--context must be key=value; got ${JSON.stringify(value)}`,
            );
          return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
        },
      )
      .option("-o, --output <dir>", "the cloud assembly folder (default cdk.out)");
  synthOptions(
    program
      .command("synth")
      .description("bundle every job and synthesize the AWS stack (offline); prints a summary"),
  ).action(async (options: SynthFlags) => {
    const { synthCommand } = await loadAwsModule("synth", deployCommands);
    await synthCommand(await configFor("client"), output(), {
      pr: options.pr,
      context: options.context,
      outdir: options.output,
    });
  });
  synthOptions(
    program
      .command("deploy")
      .description(
        "synthesize and deploy the stack with the AWS CDK toolkit (needs AWS credentials)",
      ),
  ).action(async (options: SynthFlags) => {
    const { deployCommand } = await loadAwsModule("deploy", deployCommands);
    await deployCommand(await configFor("client"), output(), {
      pr: options.pr,
      context: options.context,
      outdir: options.output,
      env: io.env,
    });
  });
  program
    .command("worker [jobs...]")
    .description("run the jobs (all, or those named) against the deployed stack's SQS queues")
    .option("--outputs <file>", "the stack outputs file (default .offload/cdk-outputs.json)")
    .option("--stack <name>", "the stack, when the outputs file holds several")
    .option("--endpoint-url <url>", "an SQS/SNS endpoint instead of AWS (moto, a local offload)")
    .action(
      async (
        names: string[],
        options: { outputs?: string; stack?: string; endpointUrl?: string },
      ) => {
        const { workerCommand } = await loadAwsModule(
          "worker",
          () => import("./commands/worker-command.js"),
        );
        const config = await configFor("start");
        const logger = await cliLogger(config.logLevel, "json");
        const worker = await workerCommand(config, logger, names, options);
        exitOnSignals(() => worker.shutdown(), logger);
        await new Promise(() => {}); // runs until a signal
      },
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
    const usage = isUsageError(error);
    if (program.opts<{ json?: boolean }>().json) {
      const code = (error as { code?: unknown }).code;
      io.err(
        JSON.stringify({
          error: { code: typeof code === "string" ? code : error.name, message: error.message },
        }),
      );
    } else {
      io.err(`offload: ${oneLine(error.message)}`);
    }
    return usage ? USAGE_ERROR : 1;
  }
}

// What a command needs beyond the local app is loaded by that command only: `offload --help`
// and the client commands load neither the server nor the AWS packages.
const deployCommands = () => import("./commands/deploy-commands.js");

/** Imports the module of an AWS command once its optional peer packages are found installed. */
function loadAwsModule<T>(
  command: keyof typeof AWS_COMMAND_PACKAGES,
  load: () => Promise<T>,
): Promise<T> {
  requirePackages(command);
  return load();
}

/** The server's options from the config: what `offload dev` and `offload start` run. */
function serverOptions(
  config: ResolvedConfig,
  options: { watch: boolean; logger: Logger },
): ServerOptions {
  return {
    jobsDir: config.jobsDir,
    database: config.database,
    port: config.port,
    host: config.host,
    durability: config.durability,
    jobHistory: config.jobHistory,
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    corsOrigins: config.corsOrigins,
    bodyLimitBytes: config.bodyLimit,
    ...(config.pagesDir === undefined ? {} : { pagesDir: config.pagesDir }),
    logger: options.logger,
    ...(config.alertWebhook === undefined ? {} : { alertWebhook: config.alertWebhook }),
    workerMemoryMb: config.aws.memorySize,
    watch: options.watch,
  };
}

/**
 * The server's errors that name one of its options, reworded with the config's names for it
 * (a flag, an environment variable), as a user of the command sets them.
 */
function inCliTerms(thrown: unknown, config: ResolvedConfig): unknown {
  if (!(thrown instanceof OffloadError)) return thrown;
  if (thrown.code === "PortInUse") {
    return new OffloadError(
      "PortInUse",
      `Port ${config.port} on ${config.host} (${config.portFrom}) is in use: stop the other process, or choose another port with --port or OFFLOAD_PORT`,
      { cause: thrown },
    );
  }
  if (thrown.code === "ApiKeyRequired") {
    return new OffloadError(
      "ApiKeyRequired",
      `Refusing to listen on ${config.host} without an API key: set OFFLOAD_API_KEY (clients send it as "Authorization: Bearer <key>"), or listen on 127.0.0.1`,
      { cause: thrown },
    );
  }
  return thrown;
}

/** A flag that means nothing with the others given is a usage error, not silently ignored. */
function checkClientFlags(command: Command): void {
  const given = (flag: string) => command.getOptionValueSource(flag) === "cli";
  if (command.opts<ClientOptions>().aws) {
    for (const [flag, name] of [
      ["url", "--url"],
      ["apiKey", "--api-key"],
    ] as const) {
      if (given(flag))
        throw new UsageError(
          "ConflictingOptions",
          `${name} is for a running app and --aws for the deployed stack: give one of them`,
        );
    }
    return;
  }
  for (const [flag, name] of [
    ["outputs", "--outputs"],
    ["stack", "--stack"],
    ["endpointUrl", "--endpoint-url"],
  ] as const) {
    if (given(flag))
      throw new UsageError(
        "ConflictingOptions",
        `${name} goes with --aws; add --aws or leave it out`,
      );
  }
}

/** A flag's whole-number value within [min, max], or a usage error naming the flag. */
function intFlag(flag: string, code: OffloadErrorCode, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max)
      throw new UsageError(
        code,
        `${flag} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`,
      );
    return n;
  };
}

function defaultIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}
