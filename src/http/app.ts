import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
// What Hono decodes route parameters with: the queue name is decoded as when it was a route.
import { tryDecodeURIComponent } from "hono/utils/url";
import { toError } from "../core/errors.js";
import { bearerAuth } from "./auth.js";
import { nodeBodyOf } from "./body.js";
import { quote } from "./describe.js";
import { ApiError, toErrorAnswer } from "./errors.js";
import { requestGuard } from "./guard.js";
import { type RouteHandler, sendJobRoute, sendNamedJobRoute } from "./job-routes.js";
import { cancelJobRoute, getJobRoute, listJobsRoute } from "./job-status-routes.js";
import { type ApiOptions, type ResolvedApiOptions, resolveApiOptions } from "./options.js";
import {
  getQueueRoute,
  listDlqRoute,
  listQueuesRoute,
  listSchedulesRoute,
  purgeRoute,
  redriveRoute,
} from "./queue-routes.js";
import type { wireRefusal } from "./wire/auth.js";
import type { createWireHandler } from "./wire/index.js";

type Method = "GET" | "POST" | "DELETE";

/** Every route: path, then its handler per method. Any other method on a path is a 405. */
function routeTable(
  options: ResolvedApiOptions,
): Array<[path: string, handlers: Partial<Record<Method, RouteHandler>>]> {
  const { backend } = options;
  return [
    [
      "/health",
      {
        GET: (c) => {
          const health = backend.health?.() ?? { ok: true };
          return health.ok
            ? c.json({ status: "ok", jobs: backend.jobNames() })
            : c.json({ status: "unhealthy", reason: health.reason, jobs: backend.jobNames() }, 503);
        },
      },
    ],
    ["/jobs", { POST: sendJobRoute(options), GET: listJobsRoute(options) }],
    // One segment, two meanings by method: POST names a job to send, GET and DELETE a job's id.
    [
      "/jobs/:jobNameOrId",
      {
        POST: sendNamedJobRoute(options),
        GET: getJobRoute(options),
        DELETE: cancelJobRoute(options),
      },
    ],
    ["/api/queues", { GET: listQueuesRoute(options) }],
    ["/api/schedules", { GET: listSchedulesRoute(options) }],
    ["/api/queues/:job", { GET: getQueueRoute(options) }],
    ["/api/queues/:job/dlq", { GET: listDlqRoute(options) }],
    ["/api/queues/:job/redrive", { POST: redriveRoute(options) }],
    ["/api/queues/:job/purge", { POST: purgeRoute(options) }],
  ];
}

/**
 * The SQS/SNS wire endpoint's parts, given to {@link createHttpApp} by the caller that serves
 * it (`createApi`): an app without it, as the API Lambda function, bundles none of its code.
 */
export interface WireServing {
  readonly createHandler: typeof createWireHandler;
  readonly refusal: typeof wireRefusal;
}

/** {@link createApi}, with the wire endpoint served only when `wireServing` is given. */
export function createHttpApp(options: ApiOptions, wireServing?: WireServing): Hono {
  const resolved = resolveApiOptions(options);
  const app = new Hono();

  app.onError((error, c) => {
    const answered = answerError(c, error);
    // The server's own failures (500, and 503 CommitFailed, whose answer leaves out the
    // database's reason) are the operator's to see, with their error. A database file found
    // gone was logged once, when found; each request refused for it is not.
    if (answered.status >= 500 && (error as { code?: unknown }).code !== "DatabaseGone") {
      resolved.logger?.error(
        { method: c.req.method, path: c.req.path, error: describeError(error) },
        `a request failed; it was answered ${answered.status}`,
      );
    }
    return answered;
  });

  if (resolved.corsOrigins.length > 0) {
    const origins = resolved.corsOrigins;
    app.use(
      "*",
      cors({
        origin: origins.includes("*") ? "*" : [...origins],
        allowMethods: ["GET", "HEAD", "POST"],
        allowHeaders: ["Authorization", "Content-Type"],
        maxAge: 600,
      }),
    );
  }

  if (resolved.apiKey !== undefined) {
    const auth = bearerAuth(resolved.apiKey);
    for (const path of ["/jobs", "/jobs/*", "/api", "/api/*"]) app.use(path, auth);
  }

  const wire =
    resolved.wire === undefined || wireServing === undefined
      ? undefined
      : wireServing.createHandler(resolved.wire, {
          ...(resolved.apiKey === undefined ? {} : { apiKey: resolved.apiKey }),
          ...(resolved.logger === undefined ? {} : { logger: resolved.logger }),
        });
  if (wire) {
    // AWS protocol requests (X-Amz-Target, or a form with Action=…); any other POST falls through.
    app.post(
      "/",
      async (c, next) => (await wire(c.req.raw, undefined, nodeBodyOf(c.env))) ?? next(),
    );
  }

  // One handler per route and method, and everything else in the fallback below: a request
  // that matches a single handler takes Hono's fast path, with no middleware chain to compose.
  const table = routeTable(resolved);
  const apiPaths: Array<{ pattern: RegExp; path: string; allow: string }> = [];
  for (const [path, handlers] of table) {
    const allowed = Object.keys(handlers) as Method[];
    for (const method of allowed) app.on(method, path, handlers[method]!);
    apiPaths.push({
      pattern: pathPattern(path),
      path,
      allow: allowed.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])).join(", "),
    });
  }

  const routes = table
    .flatMap(([path, handlers]) => Object.keys(handlers).map((m) => `${m} ${path}`))
    .join(", ");
  // What no route serves: a wire request posted to a queue's path (/<account>/<queue>), another
  // method on an API path (405), a page (GET or HEAD), or nothing (404). The queue path is
  // matched here rather than routed: its pattern would move every route to a slower router.
  app.notFound(async (c) => {
    const { method, path } = c.req;
    if (wire && method === "POST") {
      const queuePath = QUEUE_PATH.exec(path);
      if (queuePath) {
        const answer = await wire(
          c.req.raw,
          { account: queuePath[1]!, name: tryDecodeURIComponent(queuePath[2]!) },
          nodeBodyOf(c.env),
        );
        if (answer) return answer;
      }
    }
    const onPath = apiPaths.find((route) => route.pattern.test(path));
    if (onPath) {
      return answerError(
        c,
        new ApiError(
          "MethodNotAllowed",
          `${method} is not allowed on ${onPath.path}; it takes ${onPath.allow}`,
          { headers: { Allow: onPath.allow } },
        ),
      );
    }
    if (resolved.pages && (method === "GET" || method === "HEAD")) {
      const page = await resolved.pages(c);
      if (page) return page;
    }
    return answerError(
      c,
      new ApiError(
        "NotFound",
        `There is no route ${method} ${quote(path)}; the routes are: ${routes}`,
      ),
    );
  });
  // Before any route or middleware: refused requests never reach the router.
  const guard = requestGuard(
    wire && wireServing ? { ...resolved, refusal: wireServing.refusal } : resolved,
  );
  const route = app.fetch;
  app.fetch = (request, env, executionCtx) => guard(request) ?? route(request, env, executionCtx);
  return app;
}

/** A queue's path on the wire: /<12-digit account>/<queue name>. */
const QUEUE_PATH = /^\/([0-9]{12})\/([^/]+)$/;

/** A route path as a pattern: each `:param` one path segment. */
function pathPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

/** A thrown value as log fields: what a 500 hides from the caller, the log keeps. */
function describeError(thrown: unknown): Record<string, unknown> {
  const error = toError(thrown);
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code, stack: error.stack };
}

function answerError(c: Context, error: unknown): Response {
  const { status, body, headers } = toErrorAnswer(error);
  return c.json(body, status, headers);
}
