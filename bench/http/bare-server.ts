// The baseline of the POST /jobs benchmark: the same server stack (Hono on
// @hono/node-server) answering 202 with a fresh id after parsing the JSON
// body, without validating or storing anything.
import { randomUUID } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/jobs", async (c) => {
  const body = (await c.req.json()) as { jobName?: unknown };
  if (typeof body.jobName !== "string") return c.json({ error: { code: "InvalidRequest" } }, 400);
  return c.json({ jobId: randomUUID() }, 202);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(
    `${JSON.stringify({ msg: "offload is listening", url: `http://127.0.0.1:${info.port}` })}\n`,
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
