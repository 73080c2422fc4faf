/** `offload.config.ts`: everything optional; environment variables override the file. */
export interface OffloadConfig {
  /** The jobs folder, relative to the config file. @defaultValue "jobs" */
  jobs?: string;
  /** The SQLite database file. @defaultValue ".offload/offload.db" */
  database?: string;
  /** @defaultValue 3000 */
  port?: number;
  /** Listening beyond loopback requires `apiKey`. @defaultValue "127.0.0.1" */
  host?: string;
  /** @defaultValue "full" for `offload start`, "relaxed" for `offload dev` */
  durability?: "full" | "relaxed";
  /**
   * Whether the local engine records each job's status and history (`GET /jobs/:id`,
   * `offload job`); false records nothing and checks no `idempotencyKey`. On AWS,
   * `aws.jobHistory` says. @defaultValue true
   */
  jobHistory?: boolean;
  /** POSTs DLQ alarm changes here. */
  alertWebhook?: string;
  /**
   * The key every request to /jobs, /api/* and the SQS/SNS endpoint must carry, from every
   * client: as a bearer token, or as the AWS SDK's and CLI's access key id.
   */
  apiKey?: string;
  /** Origins allowed by CORS. @defaultValue none (CORS off) */
  corsOrigins?: string[];
  /** Largest request body in bytes. @defaultValue 1048576 */
  bodyLimit?: number;
  /** A folder of static pages served at /. @defaultValue none */
  pages?: string;
  /** @defaultValue "info" */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** The app's name: the AWS stack is `<app>-<stage>`. @defaultValue the package.json name, else the folder's */
  app?: string;
  /** The deployment stage. @defaultValue "dev" */
  stage?: string;
  /** Deploying to AWS and talking to a deployed stack (`offload synth|deploy|worker`, `--aws`). */
  aws?: AwsConfig;
}

/** How the app is deployed to AWS. */
export interface AwsConfig {
  /** @defaultValue AWS_REGION, else the CDK's default */
  region?: string;
  /** Subscribed to the alert topic that every DLQ alarm notifies. @defaultValue none */
  alertEmail?: string;
  /** Memory of each job's Lambda function, in MB (128–10240). @defaultValue 1024 */
  memorySize?: number;
  /** The HTTP API (API Gateway) that serves POST /jobs. @defaultValue IAM auth, CORS off */
  api?: AwsApiConfig;
  /** Where `offload deploy` writes the stack's outputs and `--aws` commands read them. @defaultValue ".offload/cdk-outputs.json" */
  outputsFile?: string;
  /** An SQS/SNS endpoint instead of AWS's (moto, or a local offload server). @defaultValue AWS */
  endpointUrl?: string;
  /**
   * Keep each job's status and history in a DynamoDB table of the stack (on-demand, a few
   * writes per job); false deploys no table. @defaultValue true
   */
  jobHistory?: boolean;
  /**
   * Where and how `runtime: "container"` jobs run: an existing ECS cluster and VPC, and the
   * image's Dockerfile. @defaultValue a cluster and VPC of the stack (public subnets, no NAT), the generated Dockerfile
   */
  container?: AwsContainerConfig;
}

/** The container jobs' cluster, network and image. */
export interface AwsContainerConfig {
  /**
   * An existing ECS cluster to run the services in (with Container Insights on: the scaling
   * reads its task counts). Requires `vpcId` and `subnetIds`. @defaultValue a cluster of the stack
   */
  clusterName?: string;
  /** The cluster's VPC. @defaultValue the stack's */
  vpcId?: string;
  /** The subnets the tasks run in; they must reach SQS, ECR and CloudWatch Logs (NAT, endpoints, or public with assignPublicIp). */
  subnetIds?: string[];
  /** The tasks' security groups. @defaultValue one per service, with no inbound rule */
  securityGroupIds?: string[];
  /** Give tasks a public IP (for public subnets without NAT). @defaultValue false with clusterName; true in the stack's own VPC */
  assignPublicIp?: boolean;
  /**
   * A Dockerfile of the app's own, relative to the config file, used instead of the generated
   * one; it is copied into each container job's build context next to `worker.mjs` and
   * `job-worker.mjs`. @defaultValue the generated Dockerfile (Node.js 22 Alpine, the two bundles)
   */
  dockerfile?: string;
}

export interface AwsApiConfig {
  /**
   * Who may call POST /jobs: `"iam"` (SigV4-signed requests), `"none"`, or a
   * JWT authorizer. @defaultValue "iam"
   */
  auth?: "iam" | "none" | { jwt: { issuer: string; audience: string[] } };
  /** Origins allowed by CORS. @defaultValue none (CORS off) */
  corsOrigins?: string[];
}

/** A typed config file. @example export default defineConfig({ jobs: "jobs", port: 3000 }); */
export function defineConfig(config: OffloadConfig): OffloadConfig {
  return config;
}
