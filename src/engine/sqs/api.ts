import type { EngineContext } from "../context.js";
import {
  changeMessageVisibility,
  changeMessageVisibilityBatch,
  deleteMessage,
  deleteMessageBatch,
} from "./acknowledge.js";
import { sqsError } from "./errors.js";
import type { MoveTasks } from "./move-tasks.js";
import {
  createQueue,
  deleteQueue,
  getQueueAttributes,
  listDeadLetterSourceQueues,
  listQueues,
  purgeQueue,
  setQueueAttributes,
  tagQueue,
  untagQueue,
} from "./queues.js";
import { receiveMessage } from "./receive.js";
import { type SendOptions, sendMessage, sendMessageBatch } from "./send.js";
import type {
  ReceiveMessageInput,
  ReceiveOptions,
  SendMessageBatchInput,
  SendMessageBatchOutput,
  SendMessageInput,
  SendMessageOutput,
  SqsApi,
} from "./types.js";
import { validateQueueName } from "./validate.js";

/** The engine's SQS API: sends and receives also take engine-only options. */
export interface EngineSqsApi extends SqsApi {
  sendMessage(input: SendMessageInput, options?: SendOptions): Promise<SendMessageOutput>;
  sendMessageBatch(
    input: SendMessageBatchInput,
    options?: SendOptions,
  ): Promise<SendMessageBatchOutput>;
  receiveMessage(
    input: ReceiveMessageInput,
    options?: ReceiveOptions,
  ): ReturnType<SqsApi["receiveMessage"]>;
}

const EMPTY = Object.freeze({}) as Record<string, never>;

/**
 * Every method is async and reports errors by rejecting, never by throwing
 * synchronously, like a network client would.
 */
export function createSqsApi(ctx: EngineContext, moveTasks: MoveTasks): EngineSqsApi {
  const queue = (url: unknown) => ctx.queues.byUrl(url);
  return {
    async createQueue(input) {
      return { QueueUrl: (await createQueue(ctx, input)).url };
    },
    async getQueueUrl(input) {
      const name = validateQueueName(input.QueueName);
      const record = ctx.queues.byName(name);
      if (!record) throw sqsError.nonExistentQueue(name);
      return { QueueUrl: record.url };
    },
    async listQueues(input) {
      return listQueues(ctx, input);
    },
    async deleteQueue(input) {
      await deleteQueue(ctx, queue(input.QueueUrl));
      return EMPTY;
    },
    async getQueueAttributes(input) {
      const attributes = getQueueAttributes(ctx, queue(input.QueueUrl), input);
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
    async setQueueAttributes(input) {
      await setQueueAttributes(ctx, queue(input.QueueUrl), input.Attributes);
      return EMPTY;
    },
    async sendMessage(input, options = {}) {
      return sendMessage(ctx, queue(input.QueueUrl), input, options);
    },
    async sendMessageBatch(input, options = {}) {
      return sendMessageBatch(ctx, queue(input.QueueUrl), input, options);
    },
    async receiveMessage(input, options) {
      const messages = await receiveMessage(ctx, queue(input.QueueUrl), input, options);
      return messages.length > 0 ? { Messages: messages } : {};
    },
    async deleteMessage(input) {
      await deleteMessage(ctx, queue(input.QueueUrl), input.ReceiptHandle);
      return EMPTY;
    },
    async deleteMessageBatch(input) {
      return deleteMessageBatch(ctx, queue(input.QueueUrl), input);
    },
    async changeMessageVisibility(input) {
      await changeMessageVisibility(
        ctx,
        queue(input.QueueUrl),
        input.ReceiptHandle,
        input.VisibilityTimeout,
      );
      return EMPTY;
    },
    async changeMessageVisibilityBatch(input) {
      return changeMessageVisibilityBatch(ctx, queue(input.QueueUrl), input);
    },
    async purgeQueue(input) {
      await purgeQueue(ctx, queue(input.QueueUrl));
      return EMPTY;
    },
    async listDeadLetterSourceQueues(input) {
      return listDeadLetterSourceQueues(ctx, queue(input.QueueUrl), input);
    },
    async startMessageMoveTask(input) {
      return { TaskHandle: await moveTasks.start(input) };
    },
    async cancelMessageMoveTask(input) {
      return moveTasks.cancel(input.TaskHandle);
    },
    async listMessageMoveTasks(input) {
      return moveTasks.list(input);
    },
    async tagQueue(input) {
      await tagQueue(ctx, queue(input.QueueUrl), input.Tags);
      return EMPTY;
    },
    async untagQueue(input) {
      await untagQueue(ctx, queue(input.QueueUrl), input.TagKeys);
      return EMPTY;
    },
    async listQueueTags(input) {
      const tags = queue(input.QueueUrl).tags;
      return Object.keys(tags).length > 0 ? { Tags: { ...tags } } : {};
    },
  };
}
