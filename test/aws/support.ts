import { randomBytes } from "node:crypto";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type AwsTransportOptions, createAwsTransport } from "../../src/aws/index.js";
import type { Transport } from "../../src/core/transport.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { type SdkClients, sdkClients } from "../support/sdk-clients.js";

/** AWS clients on a running moto, with dummy credentials. */
export interface MotoClients extends Omit<SdkClients, "destroy"> {
  moto: MotoServer;
  close(): Promise<void>;
}

/** Starts moto on a free loopback port and makes SQS and SNS clients for it. */
export async function startMotoClients(): Promise<MotoClients> {
  const moto = await startMoto();
  const clients = sdkClients(moto.endpoint);
  return {
    moto,
    sqs: clients.sqs,
    sns: clients.sns,
    config: clients.config,
    async close() {
      clients.destroy();
      await moto.stop();
    },
  };
}

/** A job's queues in a test layout. */
export interface JobSpec {
  name: string;
  /** The queue's maxReceiveCount. @defaultValue 5 */
  maxAttempts?: number;
  /** The queue's VisibilityTimeout. @defaultValue 30 */
  visibilityTimeoutSeconds?: number;
}

/** A stack laid out as offload deploys it, on moto. */
export interface AwsLayout {
  topicArn: string;
  queues: Record<string, { queueUrl: string; dlqUrl: string }>;
  /** The AWS transport over this layout with the moto clients (plus `overrides`). */
  transport(overrides?: Partial<AwsTransportOptions>): Transport;
  /** The messages now visible in a queue, received (so hidden for `visibility` seconds, at least 1). */
  receiveAll(queueUrl: string, visibility?: number): Promise<Message[]>;
  /** One receive of up to 10 messages with this visibility timeout (0: they stay visible). */
  receiveOnce(queueUrl: string, visibility: number): Promise<Message[]>;
  /** ApproximateNumberOfMessages, ...NotVisible and ...Delayed of a queue. */
  counts(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }>;
  /** Puts messages straight into a job's DLQ (as SQS's redrive would); resolves with their ids. */
  fillDlq(jobName: string, bodies: readonly string[]): Promise<string[]>;
}

/**
 * The offload stack's layout on moto, with names unique to this call (tests
 * share one moto): a topic; per job a DLQ, a queue with a redrive policy to
 * it, and a raw-delivery subscription filtered on `jobName`.
 */
export async function createLayout(
  clients: MotoClients,
  jobs: readonly JobSpec[],
): Promise<AwsLayout> {
  const { sqs, sns } = clients;
  const prefix = `t${randomBytes(4).toString("hex")}`;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${prefix}-jobs` }));
  const queues: AwsLayout["queues"] = {};
  for (const job of jobs) {
    const dlqUrl = await createQueue(sqs, `${prefix}-${job.name}-dlq`, {
      MessageRetentionPeriod: "1209600",
    });
    const dlqArn = await queueArn(sqs, dlqUrl);
    const queueUrl = await createQueue(sqs, `${prefix}-${job.name}`, {
      VisibilityTimeout: String(job.visibilityTimeoutSeconds ?? 30),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: job.maxAttempts ?? 5,
      }),
    });
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: await queueArn(sqs, queueUrl),
        Attributes: {
          RawMessageDelivery: "true",
          FilterPolicy: JSON.stringify({ jobName: [job.name] }),
        },
      }),
    );
    queues[job.name] = { queueUrl, dlqUrl };
  }
  const topicArn = TopicArn!;
  const counts: AwsLayout["counts"] = async (queueUrl) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
    };
  };
  const receiveOnce: AwsLayout["receiveOnce"] = async (queueUrl, visibility) => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibility,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return Messages;
  };
  return {
    topicArn,
    queues,
    transport: (overrides = {}) =>
      createAwsTransport({ topicArn, queues, sqs, sns, region: "us-east-1", ...overrides }),
    async receiveAll(queueUrl, visibility = 30) {
      // Hidden while receiving the rest, or the loop would receive the same messages again.
      if (visibility < 1) throw new Error("receiveAll needs a visibility timeout of 1 s or more");
      const all: Message[] = [];
      for (;;) {
        const messages = await receiveOnce(queueUrl, visibility);
        if (messages.length === 0) return all;
        all.push(...messages);
      }
    },
    receiveOnce,
    counts,
    async fillDlq(jobName, bodies) {
      const ids: string[] = [];
      for (const body of bodies) {
        const { MessageId } = await sqs.send(
          new SendMessageCommand({
            QueueUrl: queues[jobName]!.dlqUrl,
            MessageBody: body,
            MessageAttributes: { jobName: { DataType: "String", StringValue: jobName } },
          }),
        );
        ids.push(MessageId!);
      }
      return ids;
    },
  };
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  return QueueUrl!;
}

/** A queue's ARN as the server reports it. */
export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return Attributes!.QueueArn!;
}

/** A message attribute's string value. */
export function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}
