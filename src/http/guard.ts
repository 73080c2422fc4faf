import { ApiError, toErrorAnswer } from "./errors.js";

/** What {@link requestGuard} lets through. */
export interface GuardOptions {
  /** Origins a browser page may write from besides the app's own (`"*"`: any). */
  readonly corsOrigins: readonly string[];
  /** When set, the only host names a request may be addressed to (its Host header). */
  readonly allowedHosts: readonly string[] | undefined;
  /**
   * The refusal of a request in another shape than the API's JSON error (the wire
   * endpoint's AWS errors), or undefined for the API's. @defaultValue the API's, always
   */
  readonly refusal?: ((error: ApiError, request: Request) => Response | undefined) | undefined;
}

/**
 * Refuses, before any route runs, two kinds of request a web page can make
 * to an app it should not reach:
 *
 * - A write from another site (cross-site request forgery). A page can POST
 *   a form or a `text/plain` body to any address with no preflight, so
 *   without an API key anything it sends would be acted on: a job sent, a
 *   DLQ purged, an SQS action on the wire endpoint. Browsers name the page's
 *   origin in `Origin` on such requests; one that is neither this app's own
 *   host nor one of `corsOrigins` is refused. Clients that are not browsers
 *   send no `Origin` and are not affected.
 * - A request addressed to another name (DNS rebinding): a page on
 *   attacker.example whose name is re-pointed at 127.0.0.1 talks to the
 *   local app as its own origin, so the Origin check above passes it. With
 *   `allowedHosts`, any other Host is refused. An app with an API key has
 *   none: every route that reads or writes jobs needs the key, which such a
 *   page does not have, and the app may be reached by any name (a LAN name,
 *   a reverse proxy's).
 *
 * Both apply to every route, the SQS/SNS wire endpoint included. The Origin
 * check applies with an API key too: a page can send the key only in a
 * request CORS lets through, from an origin in `corsOrigins`, which passes it.
 *
 * Answers 403 (HostNotAllowed, CrossSiteRequest), or undefined to go on.
 */
export function requestGuard(options: GuardOptions): (request: Request) => Response | undefined {
  const anyOrigin = options.corsOrigins.includes("*");
  const origins = new Set(options.corsOrigins);
  const hosts = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts);
  const refuse = (error: ApiError, request: Request) =>
    options.refusal?.(error, request) ?? apiRefusal(error);
  return (request) => {
    const headers = request.headers;
    const host = headers.get("host");
    if (hosts !== undefined && !hostAllowed(hosts, host)) {
      return refuse(
        new ApiError(
          "HostNotAllowed",
          `This app answers requests to ${[...hosts].join(", ")} only; this one was addressed to ${JSON.stringify(host ?? "")} (set OFFLOAD_API_KEY to serve other names)`,
        ),
        request,
      );
    }
    const method = request.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return undefined;
    const origin = headers.get("origin");
    if (origin === null || anyOrigin || origins.has(origin) || sameHost(origin, host)) {
      return undefined;
    }
    return refuse(
      new ApiError(
        "CrossSiteRequest",
        `A page on ${JSON.stringify(origin)} may not ${method} to this app: only its own pages and OFFLOAD_CORS_ORIGINS may`,
      ),
      request,
    );
  };
}

/** True for addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host names a loopback app without an API key answers to. */
export function loopbackHosts(host: string): string[] {
  return [...new Set(["localhost", "127.0.0.1", "[::1]", host.includes(":") ? `[${host}]` : host])];
}

function hostAllowed(hosts: ReadonlySet<string>, host: string | null): boolean {
  if (host === null) return false;
  const name = hostName(host).toLowerCase();
  return hosts.has(name) || (hosts.has("localhost") && name.endsWith(".localhost"));
}

/** The name of a Host header: without its port, an IPv6 address kept in brackets. */
function hostName(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Whether a page's origin is this app itself: the same `host[:port]` as the request's Host.
 * An opaque origin (`null`: a sandboxed frame, a `data:` or `file:` page) is no host at all.
 */
function sameHost(origin: string, host: string | null): boolean {
  if (host === null) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

function apiRefusal(error: ApiError): Response {
  const { status, body } = toErrorAnswer(error);
  return Response.json(body, { status });
}
