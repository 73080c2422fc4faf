import { AwsApiError } from "../../engine/errors.js";

/**
 * Who may use the wire endpoint when an API key is set: anyone on loopback,
 * and from elsewhere only a request carrying the key, either as
 * `Authorization: Bearer <key>` or as the access key id of a SigV4 signature
 * (`Credential=<key>/…`), so the AWS SDKs and CLI carry it through
 * `AWS_ACCESS_KEY_ID`. Signatures themselves are not verified.
 */
export function wireAccess(
  apiKey: string,
): (request: Request, remoteAddress: string | undefined) => AwsApiError | undefined {
  return (request, remoteAddress) => {
    if (remoteAddress !== undefined && isLoopbackAddress(remoteAddress)) return undefined;
    const header = request.headers.get("authorization") ?? "";
    const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const accessKeyId = /\bCredential=([^/,\s]+)\//.exec(header)?.[1];
    if (constantTimeEqual(bearer ?? accessKeyId ?? "", apiKey)) return undefined;
    return new AwsApiError(
      "AccessDenied",
      "This offload server requires its API key from beyond loopback: use it as the AWS access key id (AWS_ACCESS_KEY_ID) or send Authorization: Bearer <key>",
      { status: 403, type: "AccessDenied" },
    );
  };
}

function isLoopbackAddress(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}

/** Compares without an early exit on the first differing character. */
function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return difference === 0;
}
