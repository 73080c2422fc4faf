/**
 * Where the engine says its resources live: AWS-format ARNs and URLs built
 * from a region, an account id and the base URL queue URLs start with.
 */
export interface Location {
  readonly region: string;
  readonly accountId: string;
  /** Queue URLs are `${queueUrlBase}/${accountId}/${name}`. */
  readonly queueUrlBase: string;
}

export function queueArn(loc: Location, name: string): string {
  return `arn:aws:sqs:${loc.region}:${loc.accountId}:${name}`;
}

export function queueUrl(loc: Location, name: string): string {
  return `${loc.queueUrlBase}/${loc.accountId}/${name}`;
}

export function topicArn(loc: Location, name: string): string {
  return `arn:aws:sns:${loc.region}:${loc.accountId}:${name}`;
}

/**
 * The queue name in a queue URL. Any host is accepted (the same queue is
 * reached as `https://sqs.us-east-1.amazonaws.com/…` or `http://localhost:3000/…`),
 * as long as the path is `/<account id>/<name>`; a bare name is taken as it is, as on AWS.
 * Returns undefined otherwise.
 */
export function queueNameFromUrl(url: string): string | undefined {
  // A bare queue name works as a QueueUrl on AWS, for a queue of the caller's own account.
  if (/^[A-Za-z0-9_-]{1,80}$/.test(url)) return url;
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/]+)?\/([^/]+)\/([^/?#]+)\/?$/i.exec(url);
  return match?.[2];
}

/** Splits `arn:aws:<service>:<region>:<account>:<name>`; undefined when it is not one. */
export function parseArn(
  arn: string,
): { service: string; region: string; accountId: string; resource: string } | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !parts[1]) return undefined;
  const [, , service, region, accountId] = parts as [string, string, string, string, string];
  return { service, region, accountId, resource: parts.slice(5).join(":") };
}

/** The name of a queue in this engine's region and account, from its ARN. */
export function queueNameFromArn(loc: Location, arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (parsed?.service !== "sqs") return undefined;
  if (parsed.region !== loc.region || parsed.accountId !== loc.accountId) return undefined;
  return parsed.resource;
}
