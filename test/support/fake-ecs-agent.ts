import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A call the fake agent took. */
export interface AgentCall {
  method: string;
  path: string;
  body: { ProtectionEnabled?: boolean; ExpiresInMinutes?: number } | undefined;
}

/**
 * The ECS agent's task scale-in protection endpoint, as its documentation describes it, on a
 * loopback port: `PUT /task-protection/v1/state` with `{"ProtectionEnabled", "ExpiresInMinutes"}`
 * answers `{"protection": {...}}`, or an error for the calls told to fail. It records every call.
 */
export async function startFakeEcsAgent() {
  const calls: AgentCall[] = [];
  const waiters: Array<() => void> = [];
  let failing = 0;
  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    const body = text === "" ? undefined : (JSON.parse(text) as AgentCall["body"]);
    calls.push({ method: req.method ?? "", path: req.url ?? "", body });
    for (const wake of waiters.splice(0)) wake();
    res.setHeader("content-type", "application/json");
    if (req.method !== "PUT" || req.url !== "/task-protection/v1/state") {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { Code: "NotFound", Message: "no such path" } }));
      return;
    }
    if (failing > 0) {
      failing--;
      res.statusCode = 500;
      res.end(
        JSON.stringify({
          error: { Arn: TASK_ARN, Code: "ServerException", Message: "the agent is unwell" },
        }),
      );
      return;
    }
    const minutes = body?.ProtectionEnabled ? (body.ExpiresInMinutes ?? 120) : 0;
    res.end(
      JSON.stringify({
        protection: {
          ExpirationDate: body?.ProtectionEnabled
            ? new Date(Date.now() + minutes * 60_000).toISOString()
            : null,
          ProtectionEnabled: body?.ProtectionEnabled ?? false,
          TaskArn: TASK_ARN,
        },
      }),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    /** What ECS_AGENT_URI would be. */
    uri: `http://127.0.0.1:${port}`,
    calls,
    /** The protection changes taken, in order: `true:<minutes>` or `false`. */
    changes: () =>
      calls.map((c) =>
        c.body?.ProtectionEnabled
          ? `true:${c.body.ExpiresInMinutes}`
          : String(c.body?.ProtectionEnabled),
      ),
    /** The next `count` calls answer 500 with an ECS error. */
    fail(count: number) {
      failing = count;
    },
    /** Resolves once the agent has taken `count` calls in all. */
    async waitForCalls(count: number): Promise<void> {
      while (calls.length < count) await new Promise<void>((wake) => waiters.push(wake));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

export type FakeEcsAgent = Awaited<ReturnType<typeof startFakeEcsAgent>>;

const TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/offload/0123456789abcdef";

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}
