import type { Location } from "../location.js";
import { parseArn } from "../location.js";
import { snsError } from "./errors.js";

/** The SNS parameters that carry an ARN. */
export type ArnParameter = "TopicArn" | "TargetArn" | "SubscriptionArn";

/** An ARN parameter that passed `checkArnParameter`. */
export interface CheckedArn {
  arn: string;
  accountId: string;
  resource: string;
}

/**
 * Checks an ARN parameter the way SNS does before it looks anything up:
 * missing, or fewer than 6 `:`-separated elements, is 400 `InvalidParameter`
 * with AWS's wording ("Invalid parameter: TopicArn Reason: An ARN must have
 * at least 6 elements, not 1", recorded by LocalStack's AWS snapshots). An ARN
 * of another region is refused as AWS refuses a topic of another region
 * ("Invalid parameter: TopicArn"), with the reason added: this endpoint serves
 * one region, so nothing there could be reached.
 */
export function checkArnParameter(loc: Location, name: ArnParameter, value: unknown): CheckedArn {
  if (value === undefined || value === null) {
    throw snsError.invalidParameter(
      `Invalid parameter: ${name} Reason: no value for required parameter`,
    );
  }
  const arn = String(value);
  const elements = arn.split(":").length;
  const parsed = parseArn(arn);
  if (elements < 6 || !parsed) {
    throw snsError.invalidParameter(
      elements < 6
        ? `Invalid parameter: ${name} Reason: An ARN must have at least 6 elements, not ${elements}`
        : `Invalid parameter: ${name} Reason: ${clip(arn)} is not an ARN (arn:aws:sns:<region>:<account>:<name>)`,
    );
  }
  if (parsed.region !== loc.region) {
    throw otherRegion(name, arn, parsed.region, loc.region);
  }
  return { arn, accountId: parsed.accountId, resource: parsed.resource };
}

/** The refusal of an ARN in a region this endpoint does not serve. */
export function otherRegion(
  name: string,
  arn: string,
  region: string,
  served: string,
): ReturnType<typeof snsError.invalidParameter> {
  return snsError.invalidParameter(
    `Invalid parameter: ${name} Reason: ${clip(arn)} is in region ${JSON.stringify(region)}; this endpoint serves ${served} only, so nothing there can be reached`,
  );
}

/** A value quoted in an error, cut so a huge parameter is not echoed whole. */
function clip(value: string): string {
  return value.length > 300 ? `${value.slice(0, 300)}…` : value;
}
