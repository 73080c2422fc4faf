import { OffloadError } from "../core/errors.js";
import { formatIssues } from "../core/validate-payload.js";
import { UsageError } from "./usage-error.js";

/** Talks to a running offload app's HTTP API; every failure is one clear OffloadError. */
export class AppClient {
  readonly #url: string;
  readonly #apiKey: string | undefined;

  /** @throws UsageError InvalidUrl when `url` is not an http(s) URL, or has a query or fragment. */
  constructor(url: string, apiKey: string | undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new UsageError(
        "InvalidUrl",
        `--url must be the app's http:// or https:// address, like http://localhost:3000; got ${JSON.stringify(url)}`,
      );
    }
    // On the text, not the parsed URL: "http://host/?" has an empty search, and is no base either.
    if (/[?#]/.test(url)) {
      // The API's paths are appended to it: after a query they would be part of the query.
      throw new UsageError(
        "InvalidUrl",
        `--url must be the app's address without a query or fragment, like http://localhost:3000; got ${JSON.stringify(url)}`,
      );
    }
    this.#url = url.replace(/\/+$/, "");
    this.#apiKey = apiKey;
  }

  get<T>(path: string): Promise<T> {
    return this.#request<T>("GET", path, undefined);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.#request<T>("POST", path, body);
  }

  async #request<T>(method: string, path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.#url}${path}`, {
        method,
        headers,
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      if (cause?.code === "ECONNREFUSED") {
        throw new OffloadError(
          "AppNotRunning",
          `No offload app answers at ${this.#url}: start one with \`offload dev\`, or pass --url`,
        );
      }
      const detail = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
      throw new OffloadError("AppUnreachable", `Cannot reach ${this.#url}: ${detail}`, {
        cause: e,
      });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (
        parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined
      )?.error;
      const details = (
        error?.details as { issues?: Array<{ path: string; message: string }> } | undefined
      )?.issues;
      if (typeof error?.code !== "string" || typeof error.message !== "string") {
        throw new OffloadError(
          `Http${response.status}`,
          `${this.#url} answered ${method} ${path} with HTTP ${response.status} and no offload error: is --url the address of an offload app?`,
        );
      }
      if (error.code === "Unauthorized") {
        throw new OffloadError(
          "Unauthorized",
          this.#apiKey
            ? `The app at ${this.#url} refused the API key given (--api-key or OFFLOAD_API_KEY): it is not the app's key`
            : `The app at ${this.#url} needs its API key: pass it with --api-key or set OFFLOAD_API_KEY`,
        );
      }
      const message = error.message;
      // The issues, unless the server's message already names them (a payload's schema failure).
      const issues = details?.length ? formatIssues(details) : "";
      const suffix = issues && !message.includes(issues) ? ` (${issues})` : "";
      throw new OffloadError(error.code, `${message}${suffix}`);
    }
    return parsed as T;
  }
}
