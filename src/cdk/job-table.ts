import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { JOB_TABLE } from "../core/job-table.js";

/** The environment variable naming the table in the functions (offload/aws's JOB_TABLE_ENV). */
export const JOB_TABLE_ENV_NAME = "OFFLOAD_JOB_TABLE";

/**
 * The job table: each job's status and history (one item per job, written by the API on
 * accept and by the job functions per attempt), laid out as offload/aws's job records read it.
 *
 * On-demand billing (a job costs a few writes; nothing is paid while idle), TTL on
 * `expiresAt` (finished jobs leave after the retention), point-in-time recovery (cdk-nag
 * AwsSolutions-DDB3), encryption with the AWS managed key, removed with the stack as its
 * queues are. Its one index, byJobName, holds keys only, so it is written once per job.
 *
 * @example
 * // inside a stack; OffloadStack does this unless aws.jobHistory is false
 * const table = new JobTable(this, "JobTable");
 * table.grantRecordAttempts(jobRole);
 * table.grantApi(apiRole);
 */
export class JobTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: JOB_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: JOB_TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: JOB_TABLE.byJobName.name,
      partitionKey: { name: JOB_TABLE.byJobName.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: JOB_TABLE.byJobName.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * A job function's grant: record its attempts (UpdateItem; GetItem for the rare rewrite of a
   * job's full event list) and check its running jobs for cancels (BatchGetItem), on the table
   * only, not its index.
   */
  grantRecordAttempts(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
      resourceArns: [this.table.tableArn],
    });
  }

  /**
   * The API function's grant (the table and its index, by ARN): accept jobs (PutItem; a transaction of PutItems with an
   * idempotency key; DeleteItem to withdraw one whose send failed), read, list (Query on the
   * index, BatchGetItem) and cancel (UpdateItem). DynamoDB authorizes TransactWriteItems by
   * the actions of its items; there is no action of its own.
   */
  grantApi(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
      ],
      resourceArns: [this.table.tableArn],
    });
    // The index by its own ARN: a `<table>/index/*` wildcard is what cdk-nag's IAM5 flags.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["dynamodb:Query"],
      resourceArns: [`${this.table.tableArn}/index/${JOB_TABLE.byJobName.name}`],
    });
  }
}
