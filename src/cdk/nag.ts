import { Validations } from "aws-cdk-lib";
import type { AwsApiConfig } from "../core/config.js";
import type { ApiResources } from "./api-resources.js";

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
): void {
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
