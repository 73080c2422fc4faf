import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AlarmEvent } from "../../src/runtime/index.js";
import { startTestApp, type TestApp } from "../support/app.js";

let app: TestApp | undefined;
let server: Server | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real webhook receiver on a loopback port. */
async function webhook(): Promise<{
  url: string;
  received: AlarmEvent[];
  until: (n: number) => Promise<void>;
}> {
  const received: AlarmEvent[] = [];
  const waiters: Array<() => void> = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(JSON.parse(body) as AlarmEvent);
      res.writeHead(204).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const until = async (n: number) => {
    while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { url: `http://127.0.0.1:${port}/alerts`, received, until };
}

describe("local alarms", () => {
  it("goes to ALARM when the DLQ holds a message and back to OK when it is emptied, posting both", async () => {
    const hook = await webhook();
    app = await startTestApp(
      {
        fragile: `export default defineJob({ alarm: { messages: 1 }, handler: async () => { throw new Unrecoverable("no"); } });`,
      },
      { alertWebhook: hook.url, alarmIntervalMs: 10_000 },
    );
    await app.send("fragile", {});
    const [alarm] = await app.until("alarm");
    expect(alarm).toMatchObject({
      jobName: "fragile",
      state: "ALARM",
      previousState: "OK",
      dlq: { visible: 1 },
    });
    expect(app.runtime.alarmState("fragile")).toBe("ALARM");
    await hook.until(1);
    expect(hook.received[0]).toMatchObject({
      jobName: "fragile",
      state: "ALARM",
      reason: "1 message(s) in the DLQ; the threshold is 1",
    });
    expect(
      app.logs.some((l) => l.level === "error" && l.message === "alarm fragile: OK -> ALARM"),
    ).toBe(true);

    await app.te.engine.sqs.purgeQueue({
      QueueUrl: "https://sqs.us-east-1.amazonaws.com/000000000000/fragile-dlq",
    });
    await app.te.advance(10_000);
    const [, ok] = await app.until("alarm", 2);
    expect(ok).toMatchObject({ state: "OK", previousState: "ALARM" });
    await hook.until(2);
    expect(hook.received.map((e) => e.state)).toEqual(["ALARM", "OK"]);
  });

  it("waits for the oldest DLQ message to reach oldestMessageAge", async () => {
    app = await startTestApp(
      {
        aging: `export default defineJob({ alarm: { oldestMessageAge: "2m" }, handler: async () => { throw new Unrecoverable("no"); } });`,
      },
      { alarmIntervalMs: 10_000 },
    );
    await app.send("aging", {});
    await app.until("job:dlq");
    await app.runtime.checkAlarms();
    expect(app.runtime.alarmState("aging")).toBe("OK");
    await app.te.advance(110_000, 10_000);
    expect(app.seen("alarm")).toHaveLength(0);
    await app.te.advance(10_000);
    const [alarm] = await app.until("alarm");
    expect(alarm).toMatchObject({
      state: "ALARM",
      reason: "the oldest DLQ message is 120 s old; the threshold is 120 s",
    });
  });
});
