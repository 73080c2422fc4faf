import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";

/** AWS SDK clients for a loopback endpoint (moto, the local wire endpoint), dummy credentials. */
export interface SdkClients {
  sqs: SQSClient;
  sns: SNSClient;
  /** The clients' config, for more clients on the same endpoint. */
  config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  destroy(): void;
}

export function sdkClients(endpoint: string): SdkClients {
  const config = {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    // One attempt: a retried call would hide a failure the tests should see.
    maxAttempts: 1,
  };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  return {
    sqs,
    sns,
    config,
    destroy() {
      sqs.destroy();
      sns.destroy();
    },
  };
}
