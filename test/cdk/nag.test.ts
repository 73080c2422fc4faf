import { type App, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsApiConfig } from "../../src/core/config.js";
import { codeFolder, tempFolder, twoJobStack } from "./support.js";

const folder = tempFolder();
let code: string;
beforeAll(() => {
  code = codeFolder(folder.dir);
});
afterAll(() => folder.cleanup());

/** cdk-nag's AwsSolutions findings on the app, after its acknowledgements. */
function nag(app: App) {
  return new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
}

/** Every acknowledgement in the app: construct path, rule and reason. */
function acknowledgements(app: App): Array<{ path: string; rule: string; reason: unknown }> {
  const found: Array<{ path: string; rule: string; reason: unknown }> = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [rule, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({ path: construct.node.path, rule, reason });
      }
    }
  }
  return found;
}

const auths: Array<{ name: string; auth: NonNullable<AwsApiConfig["auth"]> }> = [
  { name: "IAM", auth: "iam" },
  { name: "JWT", auth: { jwt: { issuer: "https://auth.example.com/", audience: ["api"] } } },
  { name: "no", auth: "none" },
];

describe.each(auths)("cdk-nag AwsSolutions, $name auth", ({ auth }) => {
  let app: App;
  beforeAll(() => {
    ({ app } = twoJobStack(code, { api: { auth, corsOrigins: ["https://app.example.com"] } }));
  });

  it("finds nothing left unacknowledged", () => {
    const report = nag(app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("acknowledges only what the configuration chose, each with a reason", () => {
    const found = acknowledgements(app);
    for (const a of found) {
      expect(typeof a.reason).toBe("string");
      expect((a.reason as string).trim().length).toBeGreaterThan(20);
    }
    // Scheduling's, whatever the auth: the sender's schedules in the stack's group, Scheduler's DLQ.
    const scheduling = [
      "demo-dev/Api/Role Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/demo-dev/*]",
      "demo-dev/Scheduling/Dlq Annotation::AwsSolutions-SQS3",
    ];
    expect(found.map((a) => `${a.path} ${a.rule}`).sort()).toEqual(
      [
        ...(auth === "none"
          ? [
              "demo-dev/Api/HttpApi/POST--jobs/Resource Annotation::AwsSolutions-APIG4",
              "demo-dev/Api/HttpApi/POST--jobs--{jobName}/Resource Annotation::AwsSolutions-APIG4",
            ]
          : []),
        ...scheduling,
      ].sort(),
    );
  });
});

describe("the nag check itself", () => {
  it("reports what the stack fixes when a resource lacks it", () => {
    // The same check on a queue built without the stack's settings: it must fail.
    const { app, stack } = twoJobStack(code);
    new sqs.Queue(stack, "Plain", { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const rules = nag(app).violations.map((v) => v.ruleName);
    expect(rules.sort()).toEqual(["AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"]);
  });
});
