import { OffloadError } from "../core/errors.js";
import { type ApiWording, type AppApi, createAppApi } from "../core/http-api.js";
import { UsageError } from "./usage-error.js";

/** The CLI's words for its flags in the errors createClient shares with it. */
const CLI_WORDING: ApiWording = {
  url: "--url",
  apiKey: "--api-key or OFFLOAD_API_KEY",
  passApiKey: "pass it with --api-key or set OFFLOAD_API_KEY",
  notRunning: "start one with `offload dev`, or pass --url",
};

/**
 * Talks to a running offload app's HTTP API; every failure is one clear OffloadError,
 * mapped as createClient maps it (core/http-api.ts).
 */
export class AppClient {
  /** The same requests and errors as createClient's URL mode. */
  readonly api: AppApi;

  /** @throws UsageError InvalidUrl when `url` is not an http(s) URL, or has a query or fragment. */
  constructor(url: string, apiKey: string | undefined) {
    try {
      this.api = createAppApi({ url, apiKey, wording: CLI_WORDING });
    } catch (e) {
      // A bad --url is a usage error (exit 2), as a bad flag is.
      if (e instanceof OffloadError && e.code === "InvalidUrl") {
        throw new UsageError(e.code, e.message, { cause: e });
      }
      throw e;
    }
  }

  async get<T>(path: string): Promise<T> {
    return (await this.api.request("GET", path)) as T;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.api.request(
      "POST",
      path,
      body === undefined ? undefined : JSON.stringify(body),
    )) as T;
  }
}
