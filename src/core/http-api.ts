import { describeValue } from "./duration.js";
import { OffloadError, toError } from "./errors.js";
import { formatIssues, InvalidPayloadError, type PayloadIssue } from "./validate-payload.js";

/**
 * How errors name what the caller set: the CLI's flags, or createClient's options. The
 * error mapping is the same for both; only these words differ.
 */
export interface ApiWording {
  /** The option holding the URL, e.g. `--url`. */
  readonly url: string;
  /** Where a key given came from, e.g. `--api-key or OFFLOAD_API_KEY`. */
  readonly apiKey: string;
  /** How to give the key an app asks for, e.g. `pass it with --api-key`. */
  readonly passApiKey: string;
  /** What to do when nothing answers at the URL, e.g. "start one with `offload dev`". */
  readonly notRunning: string;
}

/** createClient's words. */
export const CLIENT_WORDING: ApiWording = {
  url: "createClient's url",
  apiKey: "createClient's apiKey",
  passApiKey: "pass it as createClient's apiKey",
  notRunning:
    "start one with `offload dev` or `offload start`, or set createClient's url to where it runs",
};

/** What an offload app's HTTP API is reached with (local `offload start`, or the deployed API). */
export interface AppApiOptions {
  /** The app's address; checked by {@link checkAppUrl}. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`; empty or absent sends none. */
  apiKey?: string | undefined;
  /** Sends the requests. @defaultValue the global `fetch` */
  fetch?: ((url: string, init: RequestInit) => Promise<Response>) | undefined;
  /** Sent with every request. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** @defaultValue {@link CLIENT_WORDING} */
  wording?: ApiWording;
}

/** A request to an offload app's HTTP API; every failure is one OffloadError carrying the app's code. */
export interface AppApi {
  /** The app's address, without a trailing slash. */
  readonly url: string;
  /**
   * Sends `method path` with `body` (JSON text); resolves with the answer's JSON
   * (`undefined` when it has none). `jobName` goes on the errors.
   */
  request(method: string, path: string, body?: string, jobName?: string): Promise<unknown>;
}

/**
 * Checks an app's address: http(s), no query or fragment (the API's paths are
 * appended to it). Resolves it without its trailing slashes.
 *
 * @throws OffloadError `InvalidUrl`, naming `wording.url`, what it takes and what it got.
 * @example
 * checkAppUrl("http://localhost:3000/", CLIENT_WORDING); // "http://localhost:3000"
 */
export function checkAppUrl(url: unknown, wording: ApiWording = CLIENT_WORDING): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (
    typeof url !== "string" ||
    !parsed ||
    (parsed.protocol !== "http:" && parsed.protocol !== "https:")
  ) {
    throw new OffloadError(
      "InvalidUrl",
      `${wording.url} must be the app's http:// or https:// address, like http://localhost:3000; got ${describeValue(url)}`,
    );
  }
  // On the text, not the parsed URL: "http://host/?" has an empty search, and is no base either.
  if (/[?#]/.test(url)) {
    throw new OffloadError(
      "InvalidUrl",
      `${wording.url} must be the app's address without a query or fragment, like http://localhost:3000; got ${describeValue(url)}`,
    );
  }
  return url.replace(/\/+$/, "");
}

/**
 * An offload app's HTTP API. The URL and headers are checked here, once; the
 * answers' errors (`{"error": {code, message, details?}}`) become OffloadErrors
 * with the app's code, an InvalidPayload one an {@link InvalidPayloadError} with
 * its issues.
 *
 * @throws OffloadError `InvalidUrl` or `InvalidClientOptions`.
 * @example
 * const api = createAppApi({ url: "http://localhost:3000", apiKey: "s3cret" });
 * const { queues } = (await api.request("GET", "/api/queues")) as { queues: unknown[] };
 */
export function createAppApi(options: AppApiOptions): AppApi {
  const wording = options.wording ?? CLIENT_WORDING;
  const url = checkAppUrl(options.url, wording);
  const apiKey = options.apiKey || undefined;
  const send = options.fetch;
  if (send !== undefined && typeof send !== "function") {
    throw new OffloadError(
      "InvalidClientOptions",
      `fetch must be a function like the global fetch; got ${describeValue(send)}`,
    );
  }
  const headers = checkHeaders(options.headers, apiKey !== undefined);

  return {
    url,
    async request(method, path, body, jobName) {
      const init: RequestInit = {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
        },
        ...(body === undefined ? {} : { body }),
      };
      const where = jobName === undefined ? {} : { jobName };
      let response: Response;
      let text: string;
      try {
        // Read when called, not when created: a runtime or a test may install fetch later.
        response = await (send ?? globalThis.fetch)(`${url}${path}`, init);
        text = await response.text();
      } catch (e) {
        throw unreachable(url, e, wording, where);
      }
      const parsed = parseJson(text);
      if (response.ok) return parsed;
      throw answeredError({
        url,
        method,
        path,
        status: response.status,
        parsed,
        apiKey,
        wording,
        jobName,
      });
    },
  };
}

/** The extra headers, checked once: names and values HTTP takes, and no second Authorization. */
function checkHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  hasApiKey: boolean,
): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== "object" || headers === null) {
    throw new OffloadError(
      "InvalidClientOptions",
      `headers must be an object of header names to values; got ${describeValue(headers)}`,
    );
  }
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    try {
      new Headers([[name, value]]);
    } catch (e) {
      throw new OffloadError(
        "InvalidClientOptions",
        `headers ${JSON.stringify(name)} is not a header HTTP can send (${toError(e).message}); got the value ${describeValue(value)}`,
        { cause: e },
      );
    }
    const lower = name.toLowerCase();
    if (lower === "authorization" && hasApiKey) {
      throw new OffloadError(
        "InvalidClientOptions",
        "headers has an Authorization header and apiKey is set: give one of them (apiKey is sent as Authorization: Bearer <apiKey>)",
      );
    }
    if (lower === "content-type") {
      throw new OffloadError(
        "InvalidClientOptions",
        `headers has a Content-Type header (${describeValue(value)}): the client sets it, as the API takes application/json only`,
      );
    }
    checked[lower] = value;
  }
  return checked;
}

/** Why no answer came: nothing listens (AppNotRunning), or the network failed (AppUnreachable). */
function unreachable(
  url: string,
  thrown: unknown,
  wording: ApiWording,
  where: { jobName?: string },
): OffloadError {
  const error = toError(thrown);
  // Node's fetch (undici) puts the socket's error in `cause`: ECONNREFUSED when nothing listens.
  const cause = error.cause === undefined ? undefined : toError(error.cause);
  if ((cause as { code?: unknown } | undefined)?.code === "ECONNREFUSED") {
    return new OffloadError(
      "AppNotRunning",
      `No offload app answers at ${url}: ${wording.notRunning}`,
      { ...where, cause: thrown },
    );
  }
  return new OffloadError("AppUnreachable", `Cannot reach ${url}: ${(cause ?? error).message}`, {
    ...where,
    cause: thrown,
  });
}

interface Answer {
  url: string;
  method: string;
  path: string;
  status: number;
  parsed: unknown;
  apiKey: string | undefined;
  wording: ApiWording;
  jobName: string | undefined;
}

/** The error an answer that is not 2xx stands for. */
function answeredError(answer: Answer): OffloadError<string> {
  const { url, wording, jobName } = answer;
  const where = jobName === undefined ? {} : { jobName };
  const error = field(answer.parsed, "error");
  const code = field(error, "code");
  const message = field(error, "message");
  if (typeof code !== "string" || typeof message !== "string") {
    // Not offload's answer: another server at the URL, or API Gateway's own (`{"message": ...}`
    // for a refused signature or token), whose words help.
    const said = field(answer.parsed, "message");
    const quote =
      typeof said === "string" ? ` (it said ${JSON.stringify(said.slice(0, 200))})` : "";
    return new OffloadError(
      `Http${answer.status}`,
      `${url} answered ${answer.method} ${answer.path} with HTTP ${answer.status} and no offload error${quote}: is ${wording.url} the address of an offload app?`,
      where,
    );
  }
  if (code === "Unauthorized") {
    return new OffloadError(
      "Unauthorized",
      answer.apiKey
        ? `The app at ${url} refused the API key given (${wording.apiKey}): it is not the app's key`
        : `The app at ${url} needs its API key: ${wording.passApiKey}`,
      where,
    );
  }
  const issues = issuesOf(field(error, "details"));
  // The issues, unless the server's message already names them (a payload's schema failure).
  const listed = issues.length > 0 ? formatIssues(issues) : "";
  const full = listed && !message.includes(listed) ? `${message} (${listed})` : message;
  if (code === "InvalidPayload") return new InvalidPayloadError(jobName ?? "", issues, full);
  return new OffloadError(code, full, where);
}

/** `details.issues` as the API sends them (`[{path, message}]`); what is not an issue is left out. */
function issuesOf(details: unknown): PayloadIssue[] {
  const issues = field(details, "issues");
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    const path = field(issue, "path");
    const message = field(issue, "message");
    return typeof path === "string" && typeof message === "string" ? [{ path, message }] : [];
  });
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
