/**
 * A stack on moto for job-status tests: the jobs' queues, the job table, the API function and
 * each job's function, all with the moto clients, as the deployed stack wires them.
 */
import { randomBytes } from "node:crypto";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "vitest";
import {
  createApiFunction,
  createJobFunction,
  JOB_TABLE_ENV,
  type JobFunctionOptions,
  QUEUES_ENV,
  TOPIC_ARN_ENV,
} from "../../src/aws/index.js";
import type { Clock } from "../../src/core/clock.js";
import type { JobPage, JobStatus } from "../../src/core/job-status.js";
import { JOB_TABLE } from "../../src/core/job-table.js";
import type { AnyJobDefinition } from "../../src/core/job-types.js";
import { silentLogger } from "../../src/core/logger.js";
import { toSqsEvent } from "../../src/runtime/sqs-event.js";
import { httpApiEvent, type TestRequest } from "./http-api-event.js";
import { type AwsLayout, createLayout, type JobSpec, type MotoClients } from "./support.js";

/** What {@link jobStack} takes besides the jobs. */
export interface JobStackOptions {
  /** Each job's queue settings (a job not named gets the defaults). */
  specs?: readonly JobSpec[];
  /** Every job function's clock. @defaultValue the system clock */
  clock?: Clock;
  /** More options for every job function. */
  jobFunction?: Partial<JobFunctionOptions>;
}

/** Creates a job table laid out as the stack's; resolves with its name. */
export async function createJobTable(dynamodb: DynamoDBClient): Promise<string> {
  const tableName = `jobs-${randomBytes(4).toString("hex")}`;
  const { byJobName } = JOB_TABLE;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: JOB_TABLE.partitionKey, KeyType: "HASH" }],
      AttributeDefinitions: [
        { AttributeName: JOB_TABLE.partitionKey, AttributeType: "S" },
        { AttributeName: byJobName.partitionKey, AttributeType: "S" },
        { AttributeName: byJobName.sortKey, AttributeType: "S" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: byJobName.name,
          KeySchema: [
            { AttributeName: byJobName.partitionKey, KeyType: "HASH" },
            { AttributeName: byJobName.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
    }),
  );
  return tableName;
}

/** A stack on moto running `jobs`: its layout, table, functions, and the API's routes as calls. */
export async function jobStack<Jobs extends Record<string, AnyJobDefinition>>(
  clients: MotoClients,
  dynamodb: DynamoDBClient,
  jobs: Jobs,
  options: JobStackOptions = {},
) {
  type JobName = keyof Jobs & string;
  const names = Object.keys(jobs) as JobName[];
  const specs = names.map((name) => options.specs?.find((spec) => spec.name === name) ?? { name });
  const layout: AwsLayout = await createLayout(clients, specs);
  const tableName = await createJobTable(dynamodb);
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  // The environment the stack gives the functions.
  const api = createApiFunction({
    jobs,
    env: {
      [TOPIC_ARN_ENV]: layout.topicArn,
      [QUEUES_ENV]: JSON.stringify(layout.queues),
      [JOB_TABLE_ENV]: tableName,
    },
    sqs: clients.sqs,
    sns: clients.sns,
    dynamodb,
    logger: silentLogger,
  });
  const functions = Object.fromEntries(
    names.map((name) => [
      name,
      createJobFunction(jobs[name]!, {
        env: {
          OFFLOAD_JOB_NAME: name,
          OFFLOAD_QUEUE_URL: layout.queues[name]!.queueUrl,
          OFFLOAD_DLQ_URL: layout.queues[name]!.dlqUrl,
          [JOB_TABLE_ENV]: tableName,
        },
        sqs: clients.sqs,
        dynamodb,
        logger: silentLogger,
        ...clock,
        ...options.jobFunction,
      }),
    ]),
  ) as Record<JobName, ReturnType<typeof createJobFunction>>;
  const transport = layout.transport();

  const call = async (request: TestRequest) => {
    const response = await api(httpApiEvent(request));
    return {
      status: response.statusCode,
      body: JSON.parse(response.body) as Record<string, unknown>,
    };
  };
  return {
    layout,
    tableName,
    functions,
    post: (body: unknown) =>
      call({
        method: "POST",
        path: "/jobs",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    get: async (jobId: string) => {
      const { status, body } = await call({ method: "GET", path: `/jobs/${jobId}` });
      expect(status).toBe(200);
      return body as unknown as JobStatus;
    },
    cancel: (jobId: string) => call({ method: "DELETE", path: `/jobs/${jobId}` }),
    list: async (query: string) => {
      const { status, body } = await call({ method: "GET", path: "/jobs", query });
      expect(status).toBe(200);
      return body as unknown as JobPage;
    },
    redrive: (name: JobName, ids: string[]) =>
      call({
        method: "POST",
        path: `/api/queues/${name}/redrive`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ids }),
      }),
    /** Receives the job's messages as Lambda's event source would, and runs its function on them. */
    async deliver(name: JobName) {
      const messages = await transport.receive(name, { maxMessages: 10, waitTimeSeconds: 0 });
      expect(messages.length).toBeGreaterThan(0);
      const event = toSqsEvent(messages, transport.queueArn(name), transport.region);
      return functions[name].process(event);
    },
  };
}
