import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { AwsApiConfig } from "../core/config.js";
import { FUNCTION_HANDLER, FUNCTION_RUNTIME } from "./job-resources.js";
import { JOB_TABLE_ENV_NAME, type JobTable } from "./job-table.js";

export interface ApiResourcesProps {
  /** The API's name in API Gateway. */
  readonly name: string;
  /** The API function's bundle (every job file, for their schemas, and the Hono app). */
  readonly code: lambda.Code;
  /** The topic POST /jobs publishes to. */
  readonly topic: sns.ITopic;
  /** Every job's queue, by job name: a delayed send goes straight to it. */
  readonly queues: ReadonlyMap<string, sqs.IQueue>;
  /** Who may call the routes: IAM (SigV4), a JWT authorizer, or anyone. */
  readonly auth: NonNullable<AwsApiConfig["auth"]>;
  /** Origins allowed by CORS; empty turns CORS off. */
  readonly corsOrigins: readonly string[];
  /** The function's memory in MB. */
  readonly memorySize: number;
  /** How long the function's and the access log's log groups keep logs. */
  readonly logRetention: logs.RetentionDays;
  /** Where jobs are recorded on accept and read back; none when the stack keeps no job history. */
  readonly jobTable?: JobTable | undefined;
}

/** The paths the API Lambda serves (the Hono app's POST /jobs routes). */
export const API_ROUTES = ["/jobs", "/jobs/{jobName}"] as const;

/**
 * Lambda's side of the request: the API answers 202 after one publish, so 10
 * seconds is ample (an HTTP API integration may take at most 30 seconds).
 */
const API_FUNCTION_TIMEOUT = Duration.seconds(10);

/** One JSON line per request; API Gateway requires `$context.requestId` in the format. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
});

/**
 * The HTTP API (API Gateway v2) serving `POST /jobs` and `POST /jobs/{jobName}`
 * through the API Lambda, behind IAM (SigV4), a JWT authorizer or nothing,
 * with CORS preflight when origins are given and an access log.
 *
 * @example
 * // inside a stack; OffloadStack does this once
 * const api = new ApiResources(this, "Api", { name: "shop-prod-api", code, topic, queues, auth: "iam", corsOrigins: [], memorySize: 1024, logRetention: logs.RetentionDays.ONE_MONTH });
 * new CfnOutput(this, "ApiUrl", { value: api.url });
 */
export class ApiResources extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly function: lambda.Function;
  readonly routes: apigw.HttpRoute[];

  constructor(scope: Construct, id: string, props: ApiResourcesProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, "FunctionLogs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "offload API: publish jobs to the topic, send delayed jobs to their queues",
    });
    logGroup.grantWrite(role);
    const queueUrls: Record<string, string> = {};
    for (const [name, queue] of props.queues) {
      queueUrls[name] = queue.queueUrl;
      queue.grantSendMessages(role);
    }
    props.topic.grantPublish(role);
    props.jobTable?.grantApi(role);

    this.function = new lambda.Function(this, "Function", {
      description: "offload HTTP API: POST /jobs",
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: FUNCTION_HANDLER,
      code: props.code,
      role,
      logGroup,
      timeout: API_FUNCTION_TIMEOUT,
      memorySize: props.memorySize,
      environment: {
        OFFLOAD_TOPIC_ARN: props.topic.topicArn,
        OFFLOAD_QUEUES: Stack.of(this).toJsonString(queueUrls),
        OFFLOAD_CORS_ORIGINS: props.corsOrigins.join(","),
        ...(props.jobTable ? { [JOB_TABLE_ENV_NAME]: props.jobTable.tableName } : {}),
      },
    });

    this.httpApi = new apigw.HttpApi(this, "HttpApi", {
      apiName: props.name,
      description: "offload: POST /jobs",
      // Created below with an access log, which the default stage cannot have.
      createDefaultStage: false,
      ...(props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              allowMethods: [apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.OPTIONS],
              // Content-Type for JSON bodies; the rest are what SigV4 and JWT requests carry.
              allowHeaders: [
                "content-type",
                "authorization",
                "x-amz-date",
                "x-amz-security-token",
                "x-amz-content-sha256",
              ],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, "Stage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    const integration = new HttpLambdaIntegration("Integration", this.function);
    const authorizer = routeAuthorizer(props.auth);
    this.routes = API_ROUTES.flatMap((path) =>
      this.httpApi.addRoutes({
        path,
        methods: [apigw.HttpMethod.POST],
        integration,
        ...(authorizer ? { authorizer } : {}),
      }),
    );
  }

  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }
}

function routeAuthorizer(auth: ApiResourcesProps["auth"]): apigw.IHttpRouteAuthorizer | undefined {
  if (auth === "none") return new apigw.HttpNoneAuthorizer();
  if (auth === "iam") return new HttpIamAuthorizer();
  return new HttpJwtAuthorizer("JwtAuthorizer", auth.jwt.issuer, {
    jwtAudience: [...auth.jwt.audience],
  });
}
