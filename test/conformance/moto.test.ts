import { startMoto } from "./moto.js";
import { createSdkTarget } from "./sdk-target.js";
import { defineConformanceSuite } from "./suite.js";

defineConformanceSuite(
  "moto through the AWS SDK",
  async () => {
    const moto = await startMoto();
    return createSdkTarget({
      endpoint: moto.endpoint,
      name: "moto",
      // moto 5 implements no message move tasks (StartMessageMoveTask and friends).
      moveTasks: false,
      close: () => moto.stop(),
    });
  },
  // Where moto differs from AWS; each is a row of DIFFERENCES.md with its source.
  {
    acceptsUnknownQueueAttribute: true,
    acceptsMaxReceiveCountOutOfRange: true,
    ignoresMaxResults: true,
    acceptsUnknownTopicAttribute: true,
    serverErrorWithoutTopicArn: true,
    malformedArnAnswers: {
      PublishBatch: "Error",
      GetTopicAttributes: "Error",
      SetTopicAttributes: "Error",
      DeleteTopic: "Error",
      Subscribe: "Error",
      ListSubscriptionsByTopic: "Error",
      Unsubscribe: "succeeded",
      GetSubscriptionAttributes: "NotFound",
    },
    acceptsSubscriptionArnWithoutId: true,
    acceptsAnyMessageGroupId: true,
    acceptsEmptyTypeLabel: true,
    invalidParameterForAttributeType: true,
    rawLabelledBinaryBreaksReceive: true,
  },
);
