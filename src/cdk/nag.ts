import { Stack, Validations } from "aws-cdk-lib";
import type { AwsApiConfig } from "../core/config.js";
import type { ApiResources } from "./api-resources.js";
import type { ContainerCluster } from "./container-cluster.js";
import type { ContainerService } from "./container-service.js";
import type { StackScheduling } from "./schedules.js";

/**
 * The cdk-nag AwsSolutions findings the stack accepts, each with its reason.
 * cdk-nag 3 reads acknowledgements from CDK's own `Validations` API, so the
 * construct needs no cdk-nag import. Everything else is fixed in the resources
 * themselves (own roles instead of AWS managed policies, SSL-only policies,
 * access logs, the newest Node.js runtime).
 */
export function acknowledgeNagFindings(
  api: ApiResources,
  auth: NonNullable<AwsApiConfig["auth"]>,
  scheduling?: StackScheduling,
): void {
  if (scheduling) {
    // The group's ARN pattern is the narrowest a schedule can be named by: schedules come and go
    // with the jobs delayed beyond 900 s, each named from its job id.
    // cdk-nag names the ARN by its template value: the stack's region and account as literals
    // when the app gives them (an env), else as <AWS::Region> and <AWS::AccountId>.
    const stack = Stack.of(api.function);
    const inArn = (value: string) => {
      const resolved = stack.resolve(value) as string | { Ref: string };
      return typeof resolved === "string" ? resolved : `<${resolved.Ref}>`;
    };
    Validations.of(api.function.role ?? api.function).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${inArn(stack.region)}:${inArn(stack.account)}:schedule/${scheduling.groupName}/*]`,
      reason:
        "The API function creates and deletes one-time schedules (jobs delayed beyond 900 s), named from job ids, in the stack's schedule group only.",
    });
    Validations.of(scheduling.dlq).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is a dead-letter queue: EventBridge Scheduler's, for scheduled sends that failed all their retries (a target's DeadLetterConfig, which cdk-nag does not see).",
    });
  }
  if (auth === "none") {
    for (const route of api.routes) {
      // On the route's CfnRoute only: the integration and permission below it are not at issue.
      Validations.of(route.node.defaultChild ?? route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "The app's configuration sets aws.api.auth to \"none\": POST /jobs is public by choice (the API checks every payload against its job's schema).",
      });
    }
  }
}

/** The container jobs' accepted findings, each with its reason. */
export function acknowledgeContainerNagFindings(
  cluster: ContainerCluster,
  services: ReadonlyMap<string, ContainerService>,
): void {
  // cdk-nag names a resource by its template value: a Ref as <LogicalId>, a literal as is.
  const name = Stack.of(cluster).resolve(cluster.cluster.clusterName) as string | { Ref: string };
  const clusterInArn = typeof name === "string" ? name : `<${name.Ref}>`;
  for (const service of services.values()) {
    Validations.of(service.taskDefinition).acknowledge({
      id: "AwsSolutions-ECS2",
      reason:
        "The environment holds the job's name, its queue and DLQ URLs, the topic ARN and the job table's name: where the worker works, no secret.",
    });
    Validations.of(service.taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${clusterInArn}/*]`,
      reason:
        "Task scale-in protection: a task's ARN is known only once it runs, so the worker may get and update the protection of the cluster's tasks; the agent endpoint only ever names the caller's own task.",
    });
    const executionRole = service.taskDefinition.executionRole;
    if (executionRole) {
      Validations.of(executionRole).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "ecr:GetAuthorizationToken, which ECS needs to pull the job's image, has no resource to scope to (IAM: it takes only *).",
      });
    }
  }
}
