import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { createEngine } from "../../src/engine/index.js";
import { startServer } from "../../src/server/index.js";
import { jobsFolder } from "../support/app.js";
import { recordingLogger } from "../support/recording-logger.js";
import { sdkClients } from "../support/sdk-clients.js";
import { tempDir } from "../support/temp.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const greet = `export default defineJob({
  schema: z.object({ name: z.string() }),
  retryDelay: "45s",
  maxAttempts: 4,
  handler: async (p, ctx) => { ctx.logger.info("greeted " + p.name.slice(0, 10)); },
});`;

/** An app's folder and database; `start` runs the server on them (again after a stop). */
function app(sources: Record<string, string> = { greet }, options: { watch?: boolean } = {}) {
  const folder = jobsFolder(sources);
  cleanups.push(folder.cleanup);
  const data = tempDir();
  cleanups.push(data.cleanup);
  const database = join(data.dir, "app.db");
  const start = async () => {
    const log = recordingLogger();
    const server = await startServer({
      jobsDir: folder.dir,
      database,
      port: 0,
      logger: log.logger,
      ...options,
    });
    cleanups.push(() => server.stop());
    const clients = sdkClients(server.url);
    cleanups.push(() => clients.destroy());
    return { server, log, ...clients };
  };
  return { database, start, dir: folder.dir };
}

/** Posts a job of about 3 KB, over the 1 KiB a client could set as MaximumMessageSize. */
async function postBigJob(url: string, name: string) {
  return fetch(`${url}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jobName: "greet", payload: { name: name + "x".repeat(3_000) } }),
  });
}

async function refusal(call: Promise<unknown>) {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  expect(error?.$metadata?.httpStatusCode, String(error)).toBe(403);
  return error!;
}

const OWNED_ATTRIBUTES: QueueAttributeName[] = [
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "DelaySeconds",
  "VisibilityTimeout",
  "ReceiveMessageWaitTimeSeconds",
  "RedrivePolicy",
  "RedriveAllowPolicy",
];

describe("the app's own queues, topic and subscriptions over the SQS and SNS APIs", () => {
  it("refuses every change of their attributes, and deletes by any URL spelling", async () => {
    const { start } = app();
    const { server, log, sqs, sns } = await start();
    const { QueueUrl: queue } = await sqs.send(new GetQueueUrlCommand({ QueueName: "greet" }));
    const { QueueUrl: dlq } = await sqs.send(new GetQueueUrlCommand({ QueueName: "greet-dlq" }));
    const set = (QueueUrl: string, Attributes: Record<string, string>) =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes }));

    const smaller = await refusal(set(queue!, { MaximumMessageSize: "1024" }));
    expect(smaller.name).toBe("AccessDenied");
    expect(smaller.message).toContain("Queue greet carries this app's jobs");
    expect(smaller.message).toContain("change the job's options instead");
    await refusal(set(queue!, { MessageRetentionPeriod: "60" }));
    await refusal(set(dlq!, { MessageRetentionPeriod: "60" }));
    await refusal(
      set(dlq!, { RedriveAllowPolicy: JSON.stringify({ redrivePermission: "denyAll" }) }),
    );
    // The engine takes a trailing "/" and any host: so does the guard.
    expect((await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: `${queue}/` })))).name).toBe(
      "AccessDenied",
    );
    const elsewhere = queue!.replace(/^http:\/\/[^/]+/, "https://sqs.us-east-1.amazonaws.com");
    await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: elsewhere })));
    await refusal(set(elsewhere, { MaximumMessageSize: "1024" }));

    const { Topics } = await sns.send(new ListTopicsCommand({}));
    const topic = Topics?.find((t) => t.TopicArn?.endsWith(":offload-jobs"))?.TopicArn;
    const topicRefused = await refusal(
      sns.send(
        new SetTopicAttributesCommand({
          TopicArn: topic,
          AttributeName: "DisplayName",
          AttributeValue: "mine",
        }),
      ),
    );
    expect(topicRefused.name).toBe("AuthorizationErrorException");
    const { Subscriptions } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topic }),
    );
    const subscription = Subscriptions?.[0]?.SubscriptionArn;
    await refusal(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subscription,
          AttributeName: "RawMessageDelivery",
          AttributeValue: "false",
        }),
      ),
    );
    await refusal(sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription })));
    // A queue of the client's own subscribed to the jobs topic would get a copy of every job,
    // and could then not be unsubscribed (above): refused.
    const { QueueUrl: mine } = await sqs.send(new CreateQueueCommand({ QueueName: "mine" }));
    const { Attributes: mineAttributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: mine, AttributeNames: ["QueueArn"] }),
    );
    const subscribeRefused = await refusal(
      sns.send(
        new SubscribeCommand({
          TopicArn: topic,
          Protocol: "sqs",
          Endpoint: mineAttributes?.QueueArn,
        }),
      ),
    );
    expect(subscribeRefused.message).toMatch(/offload-jobs carries this app's jobs/);

    // Nothing changed: a 3 KB job is taken in and runs.
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ["All"] }),
    );
    expect(Attributes).toMatchObject({ MaximumMessageSize: "1048576", VisibilityTimeout: "45" });
    expect((await postBigJob(server.url, "Big")).status).toBe(202);
    await log.waitFor((r) => r.message === "greeted Bigxxxxxxx");
  });

  it("sets again at start every attribute changed before the guard existed", async () => {
    const { database, start } = app();
    const first = await start();
    const { QueueUrl: queue } = await first.sqs.send(
      new GetQueueUrlCommand({ QueueName: "greet" }),
    );
    const { QueueUrl: dlq } = await first.sqs.send(
      new GetQueueUrlCommand({ QueueName: "greet-dlq" }),
    );
    const attributesOf = async (url: string, sqs = first.sqs) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] })))
        .Attributes ?? {};
    const pick = (all: Record<string, string>) =>
      Object.fromEntries(OWNED_ATTRIBUTES.map((name) => [name, all[name]]));
    const provisioned = {
      queue: pick(await attributesOf(queue!)),
      dlq: pick(await attributesOf(dlq!)),
    };
    const subscriptionOf = async (sns = first.sns) => {
      const { Topics } = await sns.send(new ListTopicsCommand({}));
      const TopicArn = Topics?.find((t) => t.TopicArn?.endsWith(":offload-jobs"))?.TopicArn;
      const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
      const arn = Subscriptions?.[0]?.SubscriptionArn;
      const { Attributes } = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }),
      );
      return {
        count: Subscriptions?.length,
        FilterPolicy: Attributes?.FilterPolicy,
        Raw: Attributes?.RawMessageDelivery,
      };
    };
    const subscribed = await subscriptionOf();
    await first.server.stop();

    // As a client could before the guard: straight on the engine, with the server stopped.
    const engine = createEngine({ path: database, queueUrlBase: "http://127.0.0.1:3000" });
    try {
      const url = (name: string) => `http://127.0.0.1:3000/000000000000/${name}`;
      await engine.sqs.setQueueAttributes({
        QueueUrl: url("greet-dlq"),
        Attributes: {
          MessageRetentionPeriod: "60",
          MaximumMessageSize: "1024",
          DelaySeconds: "900",
        },
      });
      await engine.sqs.setQueueAttributes({
        QueueUrl: url("greet"),
        Attributes: {
          MaximumMessageSize: "1024",
          MessageRetentionPeriod: "60",
          ReceiveMessageWaitTimeSeconds: "20",
          RedrivePolicy: "",
        },
      });
      const { TopicArn } = await engine.sns.createTopic({ Name: "offload-jobs" });
      const { Subscriptions } = await engine.sns.listSubscriptionsByTopic({ TopicArn });
      await engine.sns.setSubscriptionAttributes({
        SubscriptionArn: Subscriptions![0]!.SubscriptionArn,
        AttributeName: "FilterPolicy",
        AttributeValue: JSON.stringify({ jobName: ["nothing"] }),
      });
      await engine.sns.setSubscriptionAttributes({
        SubscriptionArn: Subscriptions![0]!.SubscriptionArn,
        AttributeName: "RawMessageDelivery",
        AttributeValue: "false",
      });
    } finally {
      await engine.close();
    }

    const second = await start();
    expect(pick(await attributesOf(queue!, second.sqs))).toEqual(provisioned.queue);
    expect(pick(await attributesOf(dlq!, second.sqs))).toEqual(provisioned.dlq);
    expect(provisioned.queue).toMatchObject({
      MaximumMessageSize: "1048576",
      MessageRetentionPeriod: "1209600",
      VisibilityTimeout: "45",
    });
    expect(JSON.parse(provisioned.queue.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 4 });
    expect(await subscriptionOf(second.sns)).toEqual(subscribed);
    expect((await postBigJob(second.server.url, "Again")).status).toBe(202);
    await second.log.waitFor((r) => r.message === "greeted Againxxxxx");
  });

  it("keeps whole the queues of a job file that is gone, which still hold its jobs", async () => {
    const { start, dir } = app({ greet, temp: greet });
    const first = await start();
    for (const name of ["a", "b", "c"]) {
      const answer = await fetch(`${first.server.url}/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jobName: "temp", payload: { name }, delaySeconds: 900 }),
      });
      expect(answer.status).toBe(202);
    }
    await first.server.stop();
    rmSync(join(dir, "temp.ts"));

    const { server, log, sqs } = await start();
    expect(server.jobNames()).toEqual(["greet"]);
    expect(log.records.some((r) => r.message?.startsWith("the queue of job temp holds 3"))).toBe(
      true,
    );
    const { QueueUrl: queue } = await sqs.send(new GetQueueUrlCommand({ QueueName: "temp" }));
    const { QueueUrl: dlq } = await sqs.send(new GetQueueUrlCommand({ QueueName: "temp-dlq" }));
    for (const url of [queue!, dlq!, `${queue}/`]) {
      const shorter = await refusal(
        sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: url,
            Attributes: { MessageRetentionPeriod: "60" },
          }),
        ),
      );
      expect(shorter.name).toBe("AccessDenied");
      const name = url === dlq ? "temp-dlq" : "temp";
      expect(shorter.message).toContain(`Queue ${name} carries this app's jobs`);
      const deleted = await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
      expect(deleted.message).toContain(`Queue ${name} carries this app's jobs`);
    }
    // The bare queue name, which the engine also takes as a URL.
    await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: "temp" })));
    await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: "temp-dlq" })));

    // The jobs taken in with a 202 are still there, under the retention the job's options set.
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue,
        AttributeNames: ["ApproximateNumberOfMessagesDelayed", "MessageRetentionPeriod"],
      }),
    );
    expect(Attributes).toEqual({
      ApproximateNumberOfMessagesDelayed: "3",
      MessageRetentionPeriod: "1209600",
    });

    // A queue that was never the app's, even one named like a job's DLQ, is the client's.
    for (const QueueName of ["mine", "mine-dlq"]) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName }));
      await sqs.send(
        new SetQueueAttributesCommand({ QueueUrl, Attributes: { MessageRetentionPeriod: "60" } }),
      );
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });

  it("keeps them whole when dev mode reloads without the job file", async () => {
    const { start, dir } = app({ greet, temp: greet }, { watch: true });
    const { server, log, sqs } = await start();
    const answer = await fetch(`${server.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobName: "temp", payload: { name: "a" }, delaySeconds: 900 }),
    });
    expect(answer.status).toBe(202);
    rmSync(join(dir, "temp.ts"));
    await log.waitFor((r) => r.message === "job files changed: runtime restarted");
    expect(server.jobNames()).toEqual(["greet"]);

    const { QueueUrl: queue } = await sqs.send(new GetQueueUrlCommand({ QueueName: "temp" }));
    await refusal(
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queue,
          Attributes: { MessageRetentionPeriod: "60" },
        }),
      ),
    );
    await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: queue })));
    await refusal(sqs.send(new DeleteQueueCommand({ QueueUrl: `${queue}-dlq` })));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue,
        AttributeNames: ["ApproximateNumberOfMessagesDelayed"],
      }),
    );
    expect(Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: "1" });
  });
});
