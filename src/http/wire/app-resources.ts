import { AwsApiError } from "../../engine/errors.js";
import { parseArn, queueNameFromUrl } from "../../engine/location.js";
import type { WireApis } from "./index.js";

/** The queues and topic an app's jobs run on, by name. */
export interface AppResources {
  /** The names of the job queues and their DLQs now (they change when jobs are added). */
  queueNames: () => ReadonlySet<string>;
  /** The topic that routes jobs to their queues. */
  topicName: string;
}

type Input = Record<string, unknown> | undefined;
/** Why an action is refused: what of the app's it touches, and how it would break it. */
interface Refusal {
  what: string;
  change: "removed" | "reconfigured" | "subscribed";
}
/** Per guarded action: the refusal when the call touches the app's own resources. */
type Checks = Record<string, (input: Input) => Refusal | undefined>;

/**
 * The wire endpoint over an app's engine, with the app's own queues and topic kept whole: a
 * client may send, receive, purge and read them like any others, but not delete them, the
 * topic, or its subscriptions, nor change any of their attributes, nor subscribe anything
 * more to the topic (a copy of every job, which could then not be unsubscribed). Each of the
 * others lost jobs
 * taken in with a 202, silently: a deleted queue or subscription left them nowhere to go, a
 * MaximumMessageSize of 1024 dropped a 3 KB job at delivery, a MessageRetentionPeriod of 60
 * let the sweeper delete jobs before they ran, a RedrivePolicy or FilterPolicy sent them
 * elsewhere. The job's options own these attributes and start-up sets them again (see
 * engine-transport.ts). Other queues and topics are the client's to manage as it likes.
 *
 * Names are read from URLs and ARNs with the engine's own resolution (`queueNameFromUrl`,
 * `parseArn`), so every spelling that reaches a queue or topic (a trailing `/`, another
 * host) is caught here too.
 */
export function protectAppResources(apis: WireApis, owned: AppResources): WireApis {
  const ownedQueue = (input: Input): string | undefined => {
    const url = input?.QueueUrl;
    const name = typeof url === "string" ? queueNameFromUrl(url) : undefined;
    return name !== undefined && owned.queueNames().has(name) ? name : undefined;
  };
  // A topic's ARN is arn:aws:sns:<region>:<account>:<topic>; a subscription's adds :<id>.
  const topicOf = (arn: unknown): string | undefined => {
    const parsed = typeof arn === "string" ? parseArn(arn) : undefined;
    return parsed?.service === "sns" ? parsed.resource.split(":")[0] : undefined;
  };
  const queue =
    (change: Refusal["change"]) =>
    (input: Input): Refusal | undefined => {
      const name = ownedQueue(input);
      return name === undefined ? undefined : { what: `Queue ${name}`, change };
    };
  const topic =
    (field: "TopicArn" | "SubscriptionArn", change: Refusal["change"]) =>
    (input: Input): Refusal | undefined => {
      if (topicOf(input?.[field]) !== owned.topicName) return undefined;
      const what =
        field === "TopicArn" ? `Topic ${owned.topicName}` : `A subscription of ${owned.topicName}`;
      return { what, change };
    };
  return {
    sqs: guarded(apis.sqs, "SQS", {
      deleteQueue: queue("removed"),
      setQueueAttributes: queue("reconfigured"),
    }),
    sns: guarded(apis.sns, "SNS", {
      deleteTopic: topic("TopicArn", "removed"),
      subscribe: topic("TopicArn", "subscribed"),
      setTopicAttributes: topic("TopicArn", "reconfigured"),
      unsubscribe: topic("SubscriptionArn", "removed"),
      setSubscriptionAttributes: topic("SubscriptionArn", "reconfigured"),
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
        const refusal = check(input);
        if (refusal !== undefined) throw kept(service, refusal);
        return method.call(target, input);
      };
    },
  });
}

function kept(service: "SQS" | "SNS", { what, change }: Refusal): AwsApiError {
  const why =
    change === "removed"
      ? `the app creates it at start and keeps it whole, so it cannot be removed or rerouted over the ${service} API (to start afresh, stop the app and delete its database)`
      : change === "subscribed"
        ? `the app subscribes its job queues itself; another subscription would get a copy of every job, so none can be added over the ${service} API (send jobs to your own topic instead)`
        : `its attributes come from the job's options and are set again at every start, so they cannot be changed over the ${service} API (change the job's options instead)`;
  return new AwsApiError(
    service === "SQS" ? "AccessDenied" : "AuthorizationError",
    `${what} carries this app's jobs: ${why}`,
    { status: 403 },
  );
}
