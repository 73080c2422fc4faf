import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeFolder, logicalId, tempFolder, twoJobStack } from "./support.js";

const folder = tempFolder();
let code: string;
beforeAll(() => {
  code = codeFolder(folder.dir);
});
afterAll(() => folder.cleanup());

const getAtt = (id: string, attribute: string) => ({ "Fn::GetAtt": [id, attribute] });

function routes(template: Template): Record<string, Record<string, unknown>> {
  const byKey: Record<string, Record<string, unknown>> = {};
  for (const r of Object.values(template.findResources("AWS::ApiGatewayV2::Route"))) {
    byKey[r.Properties.RouteKey as string] = r.Properties;
  }
  return byKey;
}

describe("the HTTP API, IAM auth (the default) and CORS", () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = twoJobStack(code, {
      api: { corsOrigins: ["https://app.example.com", "https://admin.example.com"] },
    }));
  });

  it("routes POST /jobs and POST /jobs/{jobName} to the API function behind IAM", () => {
    const fn = logicalId(template, "AWS::Lambda::Function", "ApiFunction");
    const found = routes(template);
    expect(Object.keys(found).sort()).toEqual(["POST /jobs", "POST /jobs/{jobName}"]);
    for (const route of Object.values(found)) expect(route.AuthorizationType).toBe("AWS_IAM");
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
      IntegrationUri: getAtt(fn, "Arn"),
    });
    template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
  });

  it("answers CORS preflight for the configured origins", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      Name: "demo-dev-api",
      ProtocolType: "HTTP",
      CorsConfiguration: {
        AllowOrigins: ["https://app.example.com", "https://admin.example.com"],
        AllowMethods: ["POST", "OPTIONS"],
        AllowHeaders: Match.arrayWith(["content-type", "authorization", "x-amz-date"]),
        MaxAge: 3600,
      },
    });
  });

  it("has a $default stage with an access log in JSON", () => {
    const api = logicalId(template, "AWS::ApiGatewayV2::Api", "ApiHttpApi");
    const logs = logicalId(template, "AWS::Logs::LogGroup", "ApiAccessLogs");
    const stages = Object.values(template.findResources("AWS::ApiGatewayV2::Stage"));
    expect(stages).toHaveLength(1);
    const stage = stages[0]!.Properties;
    expect(stage).toMatchObject({
      ApiId: { Ref: api },
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: getAtt(logs, "Arn") },
    });
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({
      requestId: "$context.requestId",
      routeKey: "$context.routeKey",
      status: "$context.status",
    });
    template.hasOutput("ApiUrl", {
      Value: {
        "Fn::Join": [
          "",
          ["https://", { Ref: api }, ".execute-api.", Match.anyValue(), ".", Match.anyValue(), "/"],
        ],
      },
    });
  });

  it("gives the API function the topic, every queue and the CORS origins", () => {
    const topic = logicalId(template, "AWS::SNS::Topic", "Topic");
    const queueA = logicalId(template, "AWS::SQS::Queue", "AJobQueue");
    const queueB = logicalId(template, "AWS::SQS::Queue", "BJobQueue");
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "offload HTTP API: POST /jobs",
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Environment: {
        Variables: {
          OFFLOAD_TOPIC_ARN: { Ref: topic },
          OFFLOAD_QUEUES: {
            "Fn::Join": ["", ['{"a":"', { Ref: queueA }, '","b":"', { Ref: queueB }, '"}']],
          },
          OFFLOAD_CORS_ORIGINS: "https://app.example.com,https://admin.example.com",
        },
      },
    });
  });

  it("lets the API function publish to the topic and send to every job's queue (delayed sends)", () => {
    const role = logicalId(template, "AWS::IAM::Role", "ApiRole");
    const topic = logicalId(template, "AWS::SNS::Topic", "Topic");
    const grants = [
      Match.objectLike({ Action: "sns:Publish", Resource: { Ref: topic } }),
      ...["AJobQueue", "BJobQueue"].map((q) =>
        Match.objectLike({
          Action: Match.arrayWith(["sqs:SendMessage"]),
          Resource: getAtt(logicalId(template, "AWS::SQS::Queue", q), "Arn"),
        }),
      ),
    ];
    for (const grant of grants) {
      template.hasResourceProperties("AWS::IAM::Policy", {
        Roles: [{ Ref: role }],
        PolicyDocument: { Statement: Match.arrayWith([grant]) },
      });
    }
    expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe("the HTTP API with a JWT authorizer", () => {
  it("authorizes both routes with the issuer and audience", () => {
    const { template } = twoJobStack(code, {
      api: {
        auth: { jwt: { issuer: "https://auth.example.com/", audience: ["offload-api"] } },
      },
    });
    const authorizers = Object.entries(template.findResources("AWS::ApiGatewayV2::Authorizer"));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: "https://auth.example.com/", Audience: ["offload-api"] },
    });
    const found = routes(template);
    expect(Object.keys(found)).toHaveLength(2);
    for (const route of Object.values(found)) {
      expect(route).toMatchObject({
        AuthorizationType: "JWT",
        AuthorizerId: { Ref: authorizerId },
      });
    }
    // No origins, no CORS.
    const api = Object.values(template.findResources("AWS::ApiGatewayV2::Api"))[0]!;
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });
});

describe("the HTTP API without auth", () => {
  it("opens both routes (cdk-nag's APIG4 is acknowledged: see nag.test.ts)", () => {
    const { template } = twoJobStack(code, { api: { auth: "none" } });
    const found = Object.values(template.findResources("AWS::ApiGatewayV2::Route"));
    expect(found).toHaveLength(2);
    for (const route of found) expect(route.Properties.AuthorizationType).toBe("NONE");
    template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
  });
});
