import { AwsApiError } from "../../engine/errors.js";
import type { WireApis } from "./index.js";

/** The queues and topic an app's jobs run on, by name. */
export interface AppResources {
  /** The names of the job queues and their DLQs now (they change when jobs are added). */
  queueNames: () => ReadonlySet<string>;
  /** The topic that routes jobs to their queues. */
  topicName: string;
}

type Input = Record<string, unknown> | undefined;
/** Per guarded action: what of the app's the call would remove or reroute, if anything. */
type Checks = Record<string, (input: Input) => string | undefined>;

/**
 * The wire endpoint over an app's engine, with the app's own queues and topic kept whole: a
 * client may send, receive, purge and read them like any others, but not delete them, the
 * topic, or its subscriptions, nor change a subscription's routing. Removing one broke the app
 * until its next start, and silently: a job taken in with a 202 went to no queue, and the
 * queue pages failed. Other queues and topics are the client's to manage as it likes.
 */
export function protectAppResources(apis: WireApis, owned: AppResources): WireApis {
  const ownedTopic = (arn: unknown) => lastSegment(String(arn ?? ""), ":") === owned.topicName;
  // A subscription's ARN is its topic's ARN and an id: arn:aws:sns:<region>:<account>:<topic>:<id>.
  const ownedSubscription = (input: Input) =>
    ownedTopic(String(input?.SubscriptionArn ?? "").replace(/:[^:]*$/, ""))
      ? `The subscriptions of topic ${owned.topicName}`
      : undefined;
  return {
    sqs: guarded(apis.sqs, "SQS", {
      deleteQueue: (input) => {
        const queue = lastSegment(String(input?.QueueUrl ?? ""), "/");
        return owned.queueNames().has(queue) ? `Queue ${queue}` : undefined;
      },
    }),
    sns: guarded(apis.sns, "SNS", {
      deleteTopic: (input) =>
        ownedTopic(input?.TopicArn) ? `Topic ${owned.topicName}` : undefined,
      unsubscribe: ownedSubscription,
      setSubscriptionAttributes: ownedSubscription,
    }),
  };
}

/** The API with the actions in `checks` refused (403) when their check names what they touch. */
function guarded<T extends object>(api: T, service: "SQS" | "SNS", checks: Checks): T {
  return new Proxy(api, {
    get(target, name, receiver) {
      const method = Reflect.get(target, name, receiver) as unknown;
      const check = typeof name === "string" ? checks[name] : undefined;
      if (!check || typeof method !== "function") return method;
      return async (input: Input) => {
        const what = check(input);
        if (what !== undefined) throw kept(service, what);
        return method.call(target, input);
      };
    },
  });
}

function kept(service: "SQS" | "SNS", what: string): AwsApiError {
  return new AwsApiError(
    service === "SQS" ? "AccessDenied" : "AuthorizationError",
    `${what} carries this app's jobs: the app creates it at start and keeps it whole, so it cannot be removed or rerouted over the ${service} API (to start afresh, stop the app and delete its database)`,
    { status: 403 },
  );
}

function lastSegment(text: string, separator: string): string {
  return text.slice(text.lastIndexOf(separator) + 1);
}
