import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Holds running jobs until the test lets them go: a job's handler fetches `url(id)`, which
 * answers only once `open(id)` is called. `arrived(id)` resolves when the handler has called.
 */
export async function startJobGate() {
  const held = new Map<string, ServerResponse>();
  const opened = new Set<string>();
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const id = (req.url ?? "/").slice(1);
    if (opened.has(id)) {
      res.end("go");
      return;
    }
    held.set(id, res);
    for (const wake of waiters.splice(0)) wake();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: (id: string) => `http://127.0.0.1:${port}/${id}`,
    async arrived(id: string): Promise<void> {
      while (!held.has(id)) await new Promise<void>((wake) => waiters.push(wake));
    },
    open(id: string) {
      opened.add(id);
      held.get(id)?.end("go");
      held.delete(id);
    },
    async close() {
      for (const res of held.values()) res.end("closing");
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
