import type { SnsApi } from "../../src/engine/sns/types.js";
import type { SqsApi } from "../../src/engine/sqs/types.js";

/**
 * What the conformance suite needs from a target: the SQS and SNS APIs in the
 * AWS SDK's shapes. The engine in-process implements them directly; the wire
 * endpoint and moto are reached through the AWS SDK behind the same interface.
 */
export interface ConformanceTarget {
  readonly name: string;
  readonly sqs: SqsApi;
  readonly sns: SnsApi;
  /**
   * Moves the target's clock forward. Only targets whose clock can be moved
   * (the engine, in-process or behind the wire endpoint) have it; tests that
   * need time to pass are skipped elsewhere (moto), since tests never wait on
   * real time. A call still in progress when `advance` is called (a long
   * poll) must already be waiting on the clock it moves.
   */
  readonly advance?: (ms: number) => Promise<void>;
  /** Resolves when background work (message move tasks) has caught up. */
  readonly settle?: () => Promise<void>;
  /** Whether the target implements message move tasks (moto does not). */
  readonly moveTasks: boolean;
  close(): Promise<void>;
}

/**
 * Where a target other than offload is known to differ from AWS, each one a
 * row of DIFFERENCES.md with the AWS documentation that settles it. A quirk
 * does not skip the check: it asserts the target's known behaviour instead of
 * AWS's, so a target that starts agreeing with AWS fails and the quirk goes.
 * offload's own targets (the engine, the wire endpoint) set none.
 */
export interface ConformanceQuirks {
  /** CreateQueue accepts an attribute name SQS does not have, instead of InvalidAttributeName. */
  readonly acceptsUnknownQueueAttribute?: boolean;
  /** A RedrivePolicy maxReceiveCount outside 1 to 1,000 is accepted, instead of InvalidParameterValue. */
  readonly acceptsMaxReceiveCountOutOfRange?: boolean;
  /**
   * ListQueues and ListDeadLetterSourceQueues return every queue and no
   * NextToken whatever MaxResults says, instead of pages of MaxResults.
   */
  readonly ignoresMaxResults?: boolean;
  /** SetTopicAttributes accepts an attribute name SNS does not have, instead of InvalidParameter. */
  readonly acceptsUnknownTopicAttribute?: boolean;
  /** DeleteTopic without a TopicArn fails with an HTTP 500 (an HTML page), instead of InvalidParameter. */
  readonly serverErrorWithoutTopicArn?: boolean;
  /**
   * What each SNS action answers for the topic or subscription ARN `randomstring` (an error
   * code, or "succeeded") where that is not AWS's InvalidParameter; the SDK names an HTTP 500
   * with an HTML page "Error".
   */
  readonly malformedArnAnswers?: Readonly<Record<string, string>>;
  /** Unsubscribe takes a topic's ARN (no subscription id), instead of InvalidParameter. */
  readonly acceptsSubscriptionArnWithoutId?: boolean;
  /** Publish takes an empty, over-long or non-ASCII MessageGroupId, instead of InvalidParameterValue. */
  readonly acceptsAnyMessageGroupId?: boolean;
  /** An attribute type outside Binary, Number and String is refused as InvalidParameter, not ParameterValueInvalid. */
  readonly invalidParameterForAttributeType?: boolean;
  /** Publish takes the attribute type `String.` (a dot and no label), instead of InvalidParameterValue. */
  readonly acceptsEmptyTypeLabel?: boolean;
  /**
   * Raw delivery of a `Binary.<label>` attribute leaves a message that ReceiveMessage fails
   * on (an HTTP 500), instead of the attribute with its label.
   */
  readonly rawLabelledBinaryBreaksReceive?: boolean;
}
