import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { bearerAuth } from "./auth.js";
import { quote } from "./describe.js";
import { ApiError, toErrorAnswer } from "./errors.js";
import { type RouteHandler, sendJobRoute, sendNamedJobRoute } from "./job-routes.js";
import { type ApiOptions, type ResolvedApiOptions, resolveApiOptions } from "./options.js";
import {
  getQueueRoute,
  listDlqRoute,
  listQueuesRoute,
  purgeRoute,
  redriveRoute,
} from "./queue-routes.js";
import { createWireHandler } from "./wire/index.js";

type Method = "GET" | "POST";

/** Every route: path, then its handler per method. Any other method on a path is a 405. */
function routeTable(
  options: ResolvedApiOptions,
): Array<[path: string, handlers: Partial<Record<Method, RouteHandler>>]> {
  const { backend } = options;
  return [
    ["/health", { GET: (c) => c.json({ status: "ok", jobs: backend.jobNames() }) }],
    ["/jobs", { POST: sendJobRoute(options) }],
    ["/jobs/:jobName", { POST: sendNamedJobRoute(options) }],
    ["/api/queues", { GET: listQueuesRoute(options) }],
    ["/api/queues/:job", { GET: getQueueRoute(options) }],
    ["/api/queues/:job/dlq", { GET: listDlqRoute(options) }],
    ["/api/queues/:job/redrive", { POST: redriveRoute(options) }],
    ["/api/queues/:job/purge", { POST: purgeRoute(options) }],
  ];
}

/**
 * The HTTP API as a Hono app with no listener: bind it to Node with
 * `@hono/node-server`, or to Lambda with `hono/aws-lambda`.
 *
 * Routes: `POST /jobs`, `POST /jobs/:jobName`, `GET /health`,
 * `GET /api/queues`, `GET /api/queues/:job`, `GET /api/queues/:job/dlq`,
 * `POST /api/queues/:job/redrive`, `POST /api/queues/:job/purge`. Every
 * error is JSON `{ "error": { "code", "message", "details"? } }`. With
 * `wire`, AWS SQS/SNS protocol requests on `POST /` and
 * `POST /<account>/<queue>` are answered as AWS does (see `createWireHandler`).
 *
 * @throws OffloadError InvalidApiOptions when an option is out of range.
 * @example
 * import { serve } from "@hono/node-server";
 * const app = createApi({ backend, apiKey: process.env.OFFLOAD_API_KEY });
 * serve({ fetch: app.fetch, port: 3000, hostname: "127.0.0.1" });
 */
export function createApi(options: ApiOptions): Hono {
  const resolved = resolveApiOptions(options);
  const app = new Hono();

  app.onError((error, c) => answerError(c, error));

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

  if (resolved.wire !== undefined) {
    // AWS protocol requests (X-Amz-Target, or a form with Action=…); any other POST falls through.
    const wire = createWireHandler(
      resolved.wire,
      resolved.apiKey === undefined ? {} : { apiKey: resolved.apiKey },
    );
    const remote = (c: Context) =>
      (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
        ?.socket?.remoteAddress;
    app.post("/", async (c, next) => (await wire(c.req.raw, undefined, remote(c))) ?? next());
    app.post("/:account{[0-9]{12}}/:queue", async (c, next) => {
      const path = { account: c.req.param("account"), name: c.req.param("queue") };
      return (await wire(c.req.raw, path, remote(c))) ?? next();
    });
  }

  const table = routeTable(resolved);
  for (const [path, handlers] of table) {
    const allowed = Object.keys(handlers) as Method[];
    for (const method of allowed) app.on(method, path, handlers[method]!);
    const allow = allowed.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])).join(", ");
    app.all(path, (c) => {
      throw new ApiError(
        "MethodNotAllowed",
        `${c.req.method} is not allowed on ${path}; it takes ${allow}`,
        { headers: { Allow: allow } },
      );
    });
  }

  const routes = table
    .flatMap(([path, handlers]) => Object.keys(handlers).map((m) => `${m} ${path}`))
    .join(", ");
  const notFound = (c: Context) =>
    answerError(
      c,
      new ApiError(
        "NotFound",
        `There is no route ${c.req.method} ${quote(c.req.path)}; the routes are: ${routes}`,
      ),
    );
  // The pages come last: whatever GET (or HEAD) the API does not serve.
  app.all("*", async (c) => {
    if (resolved.pages && (c.req.method === "GET" || c.req.method === "HEAD")) {
      const page = await resolved.pages(c);
      if (page) return page;
    }
    return notFound(c);
  });
  app.notFound(notFound);
  return app;
}

function answerError(c: Context, error: unknown): Response {
  const { status, body, headers } = toErrorAnswer(error);
  return c.json(body, status, headers);
}
