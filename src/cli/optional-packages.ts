import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./usage-error.js";

const AWS_SDK = ["@aws-sdk/client-sqs", "@aws-sdk/client-sns"] as const;
/** The --aws commands also read and write the stack's job table. */
const AWS_SDK_WITH_TABLE = [...AWS_SDK, "@aws-sdk/client-dynamodb"] as const;
const CDK = ["aws-cdk-lib", "constructs", "cdk-nag"] as const;

/**
 * The optional peer packages of the commands that act on AWS. The local
 * commands (`dev`, `start`, `send`, `stats`, `dlq`) need none of them, so an
 * app that runs its jobs locally installs none; these commands load them
 * only once checked here.
 */
export const AWS_COMMAND_PACKAGES = {
  synth: CDK,
  // The toolkit runs the deployment; the SDK reads the credentials first.
  deploy: [...CDK, "aws-cdk", "@aws-sdk/client-sqs"],
  worker: AWS_SDK,
  "--aws": AWS_SDK_WITH_TABLE,
} as const satisfies Record<string, readonly string[]>;

/** Every optional peer: what the error tells a user to install, once for all the commands. */
const ALL = [...new Set(Object.values(AWS_COMMAND_PACKAGES).flat())];

/**
 * Throws a usage error (exit 2) naming the packages `command` needs that are
 * not installed, and the one command that installs them all.
 */
export function requirePackages(
  command: keyof typeof AWS_COMMAND_PACKAGES,
  from: string = dirname(fileURLToPath(import.meta.url)),
): void {
  const missing = AWS_COMMAND_PACKAGES[command].filter((name) => !isInstalled(name, from));
  if (missing.length === 0) return;
  throw new UsageError(
    "MissingPackages",
    `${command === "--aws" ? "--aws (the deployed stack)" : `offload ${command}`} needs ${missing.join(", ")}, not installed in this app: npm install -D ${ALL.join(" ")}`,
  );
}

/** Whether `name` is in a node_modules folder that Node's resolution from `from` visits. */
function isInstalled(name: string, from: string): boolean {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", name, "package.json"))) return true;
    if (dirname(dir) === dir) return false;
  }
}
