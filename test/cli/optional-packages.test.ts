import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requirePackages } from "../../src/cli/optional-packages.js";
import { tempDir } from "../support/temp.js";

// The AWS commands check their optional peers in the node_modules folders Node would
// search from offload's own folder: here, an app folder of a test's making.
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function appWith(packages: string[]): string {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  for (const name of packages) {
    mkdirSync(join(tmp.dir, "node_modules", name), { recursive: true });
    writeFileSync(join(tmp.dir, "node_modules", name, "package.json"), "{}");
  }
  // Where offload's CLI module sits in an installed app.
  const from = join(tmp.dir, "node_modules", "offload", "dist", "cli");
  mkdirSync(from, { recursive: true });
  return from;
}

describe("the AWS commands' optional packages", () => {
  it("names the missing ones and the command that installs them all, as a usage error", () => {
    const from = appWith(["constructs"]);
    expect(() => requirePackages("synth", from)).toThrowError(
      expect.objectContaining({
        name: "UsageError",
        code: "MissingPackages",
        message:
          "offload synth needs aws-cdk-lib, cdk-nag, not installed in this app: npm install -D aws-cdk-lib constructs cdk-nag aws-cdk @aws-sdk/client-sqs @aws-sdk/client-sns @aws-sdk/client-dynamodb",
      }),
    );
  });

  it("passes once they are installed, each command with its own", () => {
    const from = appWith(["aws-cdk-lib", "constructs", "cdk-nag"]);
    expect(() => requirePackages("synth", from)).not.toThrow();
    expect(() => requirePackages("deploy", from)).toThrowError(
      /needs aws-cdk, @aws-sdk\/client-sqs,/,
    );
    expect(() => requirePackages("--aws", from)).toThrowError(
      /^--aws \(the deployed stack\) needs @aws-sdk\/client-sqs, @aws-sdk\/client-sns,/,
    );
  });

  it("asks the --aws commands for the DynamoDB client (the job table), and the worker not", () => {
    const from = appWith(["@aws-sdk/client-sqs", "@aws-sdk/client-sns"]);
    expect(() => requirePackages("worker", from)).not.toThrow();
    expect(() => requirePackages("--aws", from)).toThrowError(
      /^--aws \(the deployed stack\) needs @aws-sdk\/client-dynamodb, not installed in this app: npm install -D .*@aws-sdk\/client-dynamodb$/,
    );
  });
});
