import { AwsApiError } from "../../engine/errors.js";
import type { ReceiveOptions, SqsApi } from "../../engine/sqs/types.js";

/** Every SQS action served on the wire, by its AWS name, with the SqsApi method that serves it. */
export const SQS_ACTIONS = {
  CreateQueue: "createQueue",
  GetQueueUrl: "getQueueUrl",
  ListQueues: "listQueues",
  DeleteQueue: "deleteQueue",
  GetQueueAttributes: "getQueueAttributes",
  SetQueueAttributes: "setQueueAttributes",
  SendMessage: "sendMessage",
  SendMessageBatch: "sendMessageBatch",
  ReceiveMessage: "receiveMessage",
  DeleteMessage: "deleteMessage",
  DeleteMessageBatch: "deleteMessageBatch",
  ChangeMessageVisibility: "changeMessageVisibility",
  ChangeMessageVisibilityBatch: "changeMessageVisibilityBatch",
  PurgeQueue: "purgeQueue",
  ListDeadLetterSourceQueues: "listDeadLetterSourceQueues",
  StartMessageMoveTask: "startMessageMoveTask",
  CancelMessageMoveTask: "cancelMessageMoveTask",
  ListMessageMoveTasks: "listMessageMoveTasks",
  TagQueue: "tagQueue",
  UntagQueue: "untagQueue",
  ListQueueTags: "listQueueTags",
} as const satisfies Record<string, keyof SqsApi>;

export type SqsAction = keyof typeof SQS_ACTIONS;

export function isSqsAction(action: string): action is SqsAction {
  return Object.hasOwn(SQS_ACTIONS, action);
}

/** AWS's answer to an action it does not know, in both protocols (query code InvalidAction). */
export function invalidAction(action: string | undefined): AwsApiError {
  return new AwsApiError(
    "InvalidAction",
    `The action or operation requested is invalid. Verify that the action is typed correctly.${action === undefined ? "" : ` Got ${JSON.stringify(action.slice(0, 100))}.`}`,
    { type: "UnknownOperationException" },
  );
}

/**
 * Calls the SqsApi method of an action with a decoded input. A receive gets
 * the request's signal, so a client that hangs up ends its long poll; other actions leave it
 * unread (a request's signal is made on first read, an AbortController each).
 */
export async function callSqs(
  sqs: SqsApi,
  action: SqsAction,
  input: object,
  request: { readonly signal?: AbortSignal | undefined },
): Promise<object> {
  const method = sqs[SQS_ACTIONS[action]] as (
    input: object,
    options?: ReceiveOptions,
  ) => Promise<object>;
  return action === "ReceiveMessage"
    ? method.call(sqs, input, { signal: request.signal })
    : method.call(sqs, input);
}
