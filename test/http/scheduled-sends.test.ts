import { afterEach, describe, expect, it } from "vitest";
import type { JobStatus } from "../../src/core/job-status.js";
import { type ApiStack, postJson, startApiStack } from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The job records served, and the database file checked hourly: these tests move the clock by
 * days, and a check each second would be millions of them.
 */
const DAYS_LONG = { jobRecords: true, engine: { fileCheckIntervalMs: HOUR } };

let stack: ApiStack | undefined;
async function start(): Promise<ApiStack> {
  stack = await startApiStack(DAYS_LONG);
  return stack;
}
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** Receives what the job's queue has ready now. */
async function receiveNow(s: ApiStack, jobName: string) {
  return s.transport.receive(jobName, { maxMessages: 10, waitTimeSeconds: 0 });
}

describe("POST /jobs with a delay beyond 15 minutes, or a runAt", () => {
  it("holds a job sent with delaySeconds 7200 until two hours later, and shows it scheduled", async () => {
    const s = await start();
    const sentAt = s.clock.now();
    const answer = await postJson(`${s.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Later" },
      delaySeconds: 7200,
    });
    expect(answer.status).toBe(202);
    const { jobId } = (await answer.json()) as { jobId: string };

    const status = await getJson<JobStatus>(`${s.url}/jobs/${jobId}`);
    expect(status).toMatchObject({
      jobId,
      state: "delayed",
      runAt: new Date(sentAt + 2 * HOUR).toISOString(),
    });
    expect(await getJson(`${s.url}/api/queues/greeting`)).toMatchObject({
      visible: 0,
      delayed: 1,
      nextDueAt: new Date(sentAt + 2 * HOUR).toISOString(),
    });

    s.clock.advance(2 * HOUR - 1);
    expect(await receiveNow(s, "greeting")).toHaveLength(0);
    s.clock.advance(1);
    const [message] = await receiveNow(s, "greeting");
    expect(JSON.parse(message!.body)).toEqual({ friendName: "Later" });
    expect(message!.messageAttributes.jobId?.stringValue).toBe(jobId);
  });

  it("holds a job sent with runAt (body or query) until that time, to the millisecond of the clock", async () => {
    const s = await start();
    const runAt = new Date(s.clock.now() + 3 * DAY).toISOString();
    const inBody = await postJson(`${s.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Body" },
      runAt,
    });
    expect(inBody.status).toBe(202);
    const inQuery = await postJson(
      `${s.url}/jobs/greeting?runAt=${encodeURIComponent("2026-01-04T01:00:00+01:00")}`,
      { friendName: "Query" },
    );
    expect(inQuery.status).toBe(202);
    for (const answer of [inBody, inQuery]) {
      const { jobId } = (await answer.json()) as { jobId: string };
      expect(await getJson<JobStatus>(`${s.url}/jobs/${jobId}`)).toMatchObject({
        state: "delayed",
        runAt,
      });
    }
    s.clock.advance(3 * DAY - 1);
    expect(await receiveNow(s, "greeting")).toHaveLength(0);
    s.clock.advance(1);
    const names = (await receiveNow(s, "greeting")).map((m) => JSON.parse(m.body).friendName);
    expect(names.sort()).toEqual(["Body", "Query"]);
  });

  it("sends a runAt already past at once", async () => {
    const s = await start();
    const answer = await postJson(`${s.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Now" },
      runAt: "2025-12-31T23:00:00Z",
    });
    expect(answer.status).toBe(202);
    expect(await receiveNow(s, "greeting")).toHaveLength(1);
  });

  it("cancels a job delayed 30 days with DELETE /jobs/:id: it leaves its queue and never runs", async () => {
    const s = await start();
    const answer = await postJson(`${s.url}/jobs`, {
      jobName: "greeting",
      payload: { friendName: "Never" },
      delaySeconds: 30 * 86_400,
    });
    const { jobId } = (await answer.json()) as { jobId: string };
    const cancel = await fetch(`${s.url}/jobs/${jobId}`, { method: "DELETE" });
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toEqual({ jobId, cancelled: "removed", state: "cancelled" });
    expect(await getJson(`${s.url}/api/queues/greeting`)).toMatchObject({
      delayed: 0,
      nextDueAt: null,
    });
    expect(await getJson<JobStatus>(`${s.url}/jobs/${jobId}`)).toMatchObject({
      state: "cancelled",
    });
    s.clock.advance(31 * DAY);
    expect(await receiveNow(s, "greeting")).toHaveLength(0);
    expect(await s.stored()).toBe(0);
  });
});
