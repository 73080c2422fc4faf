import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_TABLE_ENV } from "../../src/aws/env.js";
import { JOB_TABLE_ENV_NAME } from "../../src/cdk/job-table.js";
import { resolveAwsConfig } from "../../src/cli/config-aws.js";
import { JOB_TABLE, JOB_TABLE_NAME_OUTPUT } from "../../src/core/job-table.js";
import { codeFolder, jobOptions, logicalId, tempFolder, twoJobStack } from "./support.js";

const folder = tempFolder();
let code: string;
let template: Template;
let table: string;

beforeAll(() => {
  code = codeFolder(folder.dir);
  ({ template } = twoJobStack(code));
  table = logicalId(template, "AWS::DynamoDB::Table", "JobTable");
});
afterAll(() => folder.cleanup());

const tableArn = () => ({ "Fn::GetAtt": [table, "Arn"] });

/** Every statement of the policies attached to `role`. */
function statementsOf(t: Template, role: string): Array<{ Action: unknown; Resource: unknown }> {
  return Object.values(t.findResources("AWS::IAM::Policy"))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The statements of `role` that name a DynamoDB action. */
function dynamoStatements(t: Template, role: string) {
  return statementsOf(t, role).filter((s) =>
    [s.Action].flat().some((a) => String(a).startsWith("dynamodb:")),
  );
}

describe("the job table", () => {
  it("is on-demand, keyed by pk, with TTL on expiresAt, PITR, AWS-managed encryption, removed with the stack", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    expect(template.toJSON().Resources[table]).toMatchObject({
      DeletionPolicy: "Delete",
      UpdateReplacePolicy: "Delete",
      Properties: {
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: JOB_TABLE.partitionKey, KeyType: "HASH" }],
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a key: KMS with the AWS managed key aws/dynamodb.
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it("has the byJobName index: jobName, then listKey, keys only", () => {
    const { Properties } = template.toJSON().Resources[table];
    expect(Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: "byJobName",
        KeySchema: [
          { AttributeName: "jobName", KeyType: "HASH" },
          { AttributeName: "listKey", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
    ]);
    expect(Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "jobName", AttributeType: "S" },
        { AttributeName: "listKey", AttributeType: "S" },
      ]),
    );
  });

  it("outputs its name as JobTableName", () => {
    template.hasOutput(JOB_TABLE_NAME_OUTPUT, { Value: { Ref: table } });
    expect(JOB_TABLE_NAME_OUTPUT).toBe("JobTableName");
  });

  it.each(["A", "B"])(
    "lets job %s's function UpdateItem, GetItem and BatchGetItem on the table alone, named in its environment",
    (job) => {
      const role = logicalId(template, "AWS::IAM::Role", `${job}JobRole`);
      expect(dynamoStatements(template, role)).toEqual([
        {
          Action: ["dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
          Effect: "Allow",
          Resource: tableArn(),
        },
      ]);
      template.hasResourceProperties("AWS::Lambda::Function", {
        Role: { "Fn::GetAtt": [role, "Arn"] },
        Environment: { Variables: Match.objectLike({ [JOB_TABLE_ENV]: { Ref: table } }) },
      });
    },
  );

  it("lets the API function write, read and list jobs (the index by its own ARN), named in its environment", () => {
    const role = logicalId(template, "AWS::IAM::Role", "ApiRole");
    expect(dynamoStatements(template, role)).toEqual([
      {
        Action: [
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
        ],
        Effect: "Allow",
        Resource: tableArn(),
      },
      {
        Action: "dynamodb:Query",
        Effect: "Allow",
        Resource: { "Fn::Join": ["", [tableArn(), "/index/byJobName"]] },
      },
    ]);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Role: { "Fn::GetAtt": [role, "Arn"] },
      Environment: { Variables: Match.objectLike({ [JOB_TABLE_ENV]: { Ref: table } }) },
    });
  });

  it("names the environment variable as offload/aws reads it", () => {
    expect(JOB_TABLE_ENV_NAME).toBe(JOB_TABLE_ENV);
  });
});

describe("aws.jobHistory: false", () => {
  it("leaves out the table, its output, its grants and the environment variable", () => {
    const { template: t } = twoJobStack(code, { jobHistory: false });
    t.resourceCountIs("AWS::DynamoDB::Table", 0);
    expect(Object.keys(t.toJSON().Outputs)).not.toContain(JOB_TABLE_NAME_OUTPUT);
    const json = JSON.stringify(t.toJSON());
    expect(json).not.toContain("dynamodb:");
    expect(json).not.toContain(JOB_TABLE_ENV);
    // The rest of the stack is still there.
    t.resourceCountIs("AWS::Lambda::Function", 3);
  });

  it("refuses an idempotent job, whose keys the table keeps", () => {
    const idempotent = jobOptions({ idempotency: { ttl: "1h" } });
    expect(() =>
      twoJobStack(code, {
        jobHistory: false,
        jobs: [{ name: "charge", options: idempotent, code }],
      }),
    ).toThrow(
      `job "charge" has the idempotency option, which keeps its keys in the stack's job table, but aws.jobHistory is false: the stack has no table. Set aws.jobHistory to true, or remove the option`,
    );
    expect(() =>
      twoJobStack(code, { jobs: [{ name: "charge", options: idempotent, code }] }),
    ).not.toThrow();
  });

  it("is read from the config file, true by default, and refuses a value that is not a boolean", () => {
    const where = "offload.config.ts";
    const resolve = (aws: object) => resolveAwsConfig(aws, { root: folder.dir, env: {}, where });
    expect(resolve({}).jobHistory).toBe(true);
    expect(resolve({ jobHistory: false }).jobHistory).toBe(false);
    expect(() => resolve({ jobHistory: "no" })).toThrow(
      'offload.config.ts: aws.jobHistory must be true or false (false deploys no job table); got "no"',
    );
  });
});

describe("cdk-nag on the table", () => {
  it("finds nothing with PITR on, and AwsSolutions-DDB3 once it is off", () => {
    const clean = twoJobStack(code);
    expect(new AwsSolutionsChecks().validateScope(clean.app).violations).toEqual([]);
    const { app, stack } = twoJobStack(code);
    const cfn = stack.jobTable!.table.node.defaultChild as {
      pointInTimeRecoverySpecification?: unknown;
    };
    cfn.pointInTimeRecoverySpecification = { pointInTimeRecoveryEnabled: false };
    const rules = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(["AwsSolutions-DDB3"]);
  });
});
