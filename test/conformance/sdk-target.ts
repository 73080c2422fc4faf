import * as sns from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import type { ListTopicsOutput, SnsApi } from "../../src/engine/sns/types.js";
import type {
  ListDeadLetterSourceQueuesOutput,
  ListMessageMoveTasksOutput,
  SqsApi,
} from "../../src/engine/sqs/types.js";
import { sdkClients } from "../support/sdk-clients.js";
import type { ConformanceTarget } from "./target.js";

export interface SdkTargetOptions {
  /** The endpoint both clients talk to, e.g. `http://127.0.0.1:4566`. */
  readonly endpoint: string;
  /** The target's name in test titles and expectations. */
  readonly name: string;
  /** Whether the server implements message move tasks. */
  readonly moveTasks: boolean;
  /** Stops whatever serves `endpoint`; called after the clients are destroyed. */
  close(): Promise<void>;
}

/**
 * The error a call through the SDK target rejects with: `code` is the AWS
 * query-protocol error code (what the engine and `awsErrorCode` use), `cause`
 * the SDK's own exception.
 */
export class SdkCallError extends Error {
  override readonly name = "SdkCallError";
  readonly code: string;
  constructor(code: string, message: string, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }
}

/**
 * The query-protocol code of an SDK exception, in `Code`. For SNS (query
 * protocol) the SDK copies it from the XML `<Code>`. For SQS (JSON protocol
 * with the awsQueryCompatible trait) it copies it from the
 * `x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender` header
 * that AWS and moto send; the exception's `name` is the JSON shape name
 * (`QueueDoesNotExist`). A server that leaves the header out is not papered
 * over: `Code` is missing for every SDK user there too, so the code falls back
 * to `name` and the suite's checks fail. Anything that is not a service
 * exception (a refused connection) is rethrown as it is.
 */
function normalizeError(error: unknown): unknown {
  if (!(error instanceof sqs.SQSServiceException || error instanceof sns.SNSServiceException)) {
    return error;
  }
  const { Code } = error as { Code?: unknown };
  const code = typeof Code === "string" && Code !== "" ? Code : error.name;
  return new SdkCallError(code, error.message, error);
}

/**
 * Sends one command and returns its output without `$metadata`. The SDK types
 * every output member as optional; the engine's types mark what AWS always
 * returns as required, so the output is taken as the engine's type here, and
 * lists AWS may leave out when empty are defaulted by the callers below.
 */
async function call<O>(send: () => Promise<{ $metadata: unknown }>): Promise<O> {
  try {
    const { $metadata: _, ...output } = await send();
    return output as O;
  } catch (error) {
    throw normalizeError(error);
  }
}

/**
 * A conformance target that reaches a server (moto, the local wire endpoint)
 * through the real AWS SDK v3 clients, with dummy credentials.
 */
export function createSdkTarget(options: SdkTargetOptions): ConformanceTarget {
  const clients = sdkClients(options.endpoint);
  const q = clients.sqs;
  const n = clients.sns;

  const sqsApi: SqsApi = {
    createQueue: (input) => call(() => q.send(new sqs.CreateQueueCommand(input))),
    getQueueUrl: (input) => call(() => q.send(new sqs.GetQueueUrlCommand(input))),
    listQueues: (input = {}) => call(() => q.send(new sqs.ListQueuesCommand(input))),
    deleteQueue: (input) => call(() => q.send(new sqs.DeleteQueueCommand(input))),
    getQueueAttributes: (input) =>
      call(() =>
        q.send(
          new sqs.GetQueueAttributesCommand({
            ...input,
            AttributeNames: input.AttributeNames as sqs.QueueAttributeName[] | undefined,
          }),
        ),
      ),
    setQueueAttributes: (input) => call(() => q.send(new sqs.SetQueueAttributesCommand(input))),
    sendMessage: (input) =>
      call(() => q.send(new sqs.SendMessageCommand(input as sqs.SendMessageCommandInput))),
    sendMessageBatch: async (input) =>
      batch(
        await call(() =>
          q.send(new sqs.SendMessageBatchCommand(input as sqs.SendMessageBatchCommandInput)),
        ),
      ),
    receiveMessage: (input, receiveOptions) =>
      call(() =>
        q.send(new sqs.ReceiveMessageCommand(input as sqs.ReceiveMessageCommandInput), {
          abortSignal: receiveOptions?.signal,
        }),
      ),
    deleteMessage: (input) => call(() => q.send(new sqs.DeleteMessageCommand(input))),
    deleteMessageBatch: async (input) =>
      batch(await call(() => q.send(new sqs.DeleteMessageBatchCommand(input)))),
    changeMessageVisibility: (input) =>
      call(() => q.send(new sqs.ChangeMessageVisibilityCommand(input))),
    changeMessageVisibilityBatch: async (input) =>
      batch(await call(() => q.send(new sqs.ChangeMessageVisibilityBatchCommand(input)))),
    purgeQueue: (input) => call(() => q.send(new sqs.PurgeQueueCommand(input))),
    listDeadLetterSourceQueues: async (input) => {
      const out = await call<Partial<ListDeadLetterSourceQueuesOutput>>(() =>
        q.send(new sqs.ListDeadLetterSourceQueuesCommand(input)),
      );
      return { ...out, queueUrls: out.queueUrls ?? [] };
    },
    startMessageMoveTask: (input) => call(() => q.send(new sqs.StartMessageMoveTaskCommand(input))),
    cancelMessageMoveTask: (input) =>
      call(() => q.send(new sqs.CancelMessageMoveTaskCommand(input))),
    listMessageMoveTasks: async (input) => {
      const out = await call<Partial<ListMessageMoveTasksOutput>>(() =>
        q.send(new sqs.ListMessageMoveTasksCommand(input)),
      );
      return { ...out, Results: out.Results ?? [] };
    },
    tagQueue: (input) => call(() => q.send(new sqs.TagQueueCommand(input))),
    untagQueue: (input) => call(() => q.send(new sqs.UntagQueueCommand(input))),
    listQueueTags: (input) => call(() => q.send(new sqs.ListQueueTagsCommand(input))),
  };

  const snsApi: SnsApi = {
    createTopic: (input) => call(() => n.send(new sns.CreateTopicCommand(input))),
    deleteTopic: (input) => call(() => n.send(new sns.DeleteTopicCommand(input))),
    listTopics: async (input = {}) => {
      const out = await call<Partial<ListTopicsOutput>>(() =>
        n.send(new sns.ListTopicsCommand(input)),
      );
      return { ...out, Topics: out.Topics ?? [] };
    },
    getTopicAttributes: async (input) => {
      const out = await call<{ Attributes?: Record<string, string> }>(() =>
        n.send(new sns.GetTopicAttributesCommand(input)),
      );
      return { Attributes: out.Attributes ?? {} };
    },
    setTopicAttributes: (input) => call(() => n.send(new sns.SetTopicAttributesCommand(input))),
    subscribe: (input) => call(() => n.send(new sns.SubscribeCommand(input))),
    unsubscribe: (input) => call(() => n.send(new sns.UnsubscribeCommand(input))),
    listSubscriptions: async (input = {}) =>
      subscriptions(await call(() => n.send(new sns.ListSubscriptionsCommand(input)))),
    listSubscriptionsByTopic: async (input) =>
      subscriptions(await call(() => n.send(new sns.ListSubscriptionsByTopicCommand(input)))),
    getSubscriptionAttributes: async (input) => {
      const out = await call<{ Attributes?: Record<string, string> }>(() =>
        n.send(new sns.GetSubscriptionAttributesCommand(input)),
      );
      return { Attributes: out.Attributes ?? {} };
    },
    setSubscriptionAttributes: (input) =>
      call(() => n.send(new sns.SetSubscriptionAttributesCommand(input))),
    publish: (input) => call(() => n.send(new sns.PublishCommand(input))),
    publishBatch: async (input) =>
      batch(await call(() => n.send(new sns.PublishBatchCommand(input)))),
  };

  return {
    name: options.name,
    sqs: sqsApi,
    sns: snsApi,
    moveTasks: options.moveTasks,
    async close() {
      clients.destroy();
      await options.close();
    },
  };
}

/**
 * A batch output with both lists present. SNS's query protocol (XML) cannot
 * tell an empty list from a missing one, so the SDK gives an empty `Failed` as
 * `undefined`; the SDK types SQS's lists as optional too.
 */
function batch<S, F>(out: { Successful?: S[]; Failed?: F[] }): { Successful: S[]; Failed: F[] } {
  return { ...out, Successful: out.Successful ?? [], Failed: out.Failed ?? [] };
}

function subscriptions<S>(out: { Subscriptions?: S[]; NextToken?: string }) {
  return { ...out, Subscriptions: out.Subscriptions ?? [] };
}
