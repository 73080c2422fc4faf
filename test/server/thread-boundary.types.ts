/**
 * Compile-time checks of the engine thread's protocol (`npm run typecheck` covers this file;
 * nothing runs it): a call across the thread boundary names a real method of its target, with
 * that method's argument types, and resolves with that method's result.
 */
import type { SendMessageOutput } from "../../src/engine/sqs/types.js";
import type { JobQueueSummary } from "../../src/http/backend.js";
import {
  type Call,
  type CallFn,
  invoke,
  type Served,
} from "../../src/server/engine-thread/protocol.js";

declare const call: CallFn;
declare const served: Served;

export async function calls(): Promise<void> {
  const sent: SendMessageOutput = await call("sqs", "sendMessage", [
    { QueueUrl: "q", MessageBody: "hello" },
  ]);
  const summary: JobQueueSummary = await call("backend", "queue", ["greet"]);
  await call("sns", "publish", [{ TopicArn: "arn", Message: "hello" }]);
  void sent;
  void summary;

  // @ts-expect-error: SqsApi has no method sendMesage.
  await call("sqs", "sendMesage", [{ QueueUrl: "q", MessageBody: "hello" }]);
  // @ts-expect-error: publish is SNS's, not SQS's.
  await call("sqs", "publish", [{ TopicArn: "arn", Message: "hello" }]);
  // @ts-expect-error: QueueUrl is a string.
  await call("sqs", "sendMessage", [{ QueueUrl: 1, MessageBody: "hello" }]);
  // @ts-expect-error: MessageBody is required.
  await call("sqs", "sendMessage", [{ QueueUrl: "q" }]);
  // @ts-expect-error: jobNames is answered on the main thread; it does not cross.
  await call("backend", "jobNames", []);
  // @ts-expect-error: there is no target "sqlite".
  await call("sqlite", "exec", ["DROP TABLE messages"]);
  // @ts-expect-error: sendMessage resolves with a SendMessageOutput, not a summary.
  const wrong: JobQueueSummary = await call("sqs", "sendMessage", [
    { QueueUrl: "q", MessageBody: "hello" },
  ]);
  void wrong;
}

export function messages(): Call[] {
  return [
    { id: 1, target: "backend", method: "send", args: ["greet", { name: "Hank" }] },
    // @ts-expect-error: a call's args are its own method's (purge takes a job name).
    { id: 2, target: "backend", method: "purge", args: [{ QueueUrl: "q" }] },
    // @ts-expect-error: the method must be one of its target's.
    { id: 3, target: "sns", method: "receiveMessage", args: [{ QueueUrl: "q" }] },
  ];
}

export function dispatch(call: Call): Promise<unknown> {
  return invoke(served, call);
}
