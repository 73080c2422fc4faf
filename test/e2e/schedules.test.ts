import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScheduleSummary } from "../../src/core/schedule-summary.js";
import { appFolder, cli, type Server, startServer } from "./server.js";

// `offload start` with recurring jobs, as a child process on a real database file. A rate
// schedule without a start runs when it is first seen (as EventBridge Scheduler does), so
// one run happens at start without waiting on the clock; the cron one only shows its due times.
let folder: ReturnType<typeof appFolder>;
let server: Server | undefined;

beforeAll(() => {
  folder = appFolder({
    tick: `export default defineJob({
  schedule: { expression: "rate(1 day)", payload: { n: 1 } },
  handler: async (p, ctx) => { ctx.logger.info({ n: p.n, jobId: ctx.jobId }, "ticked"); },
});`,
    report: `export default defineJob({
  schedule: "cron(0/5 * * * ? *)",
  timezone: "Europe/Paris",
  handler: async () => {},
});`,
  });
});

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  folder?.cleanup();
});

async function schedules(url: string): Promise<ScheduleSummary[]> {
  const answer = await cli(["schedules", "--url", url, "--json"]);
  expect(answer.stderr).toBe("");
  expect(answer.code).toBe(0);
  return (JSON.parse(answer.stdout) as { schedules: ScheduleSummary[] }).schedules;
}

describe("offload schedules", () => {
  it("lists each schedule's next due times and last run, which a restart does not repeat", async () => {
    server = await startServer(folder.dir);
    const ticked = await server.waitForLog((l) => l.msg === "ticked");
    expect(ticked).toMatchObject({
      n: 1,
      jobId: expect.stringMatching(/^tick:default:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    // The job's record says succeeded once the runtime deleted its message: read until then.
    let listed = await schedules(server.url);
    for (
      let i = 0;
      i < 50 && listed.find((s) => s.jobName === "tick")?.last?.state !== "succeeded";
      i++
    ) {
      listed = await schedules(server.url);
    }
    const [report, tick] = listed;
    expect(tick).toMatchObject({
      jobName: "tick",
      name: "default",
      expression: "rate(1 day)",
      timezone: "UTC",
      last: { jobId: ticked.jobId, state: "succeeded" },
      catchUp: "once",
    });
    const due = Date.parse(tick!.last!.dueAt);
    expect(tick!.next).toEqual([1, 2, 3].map((d) => new Date(due + d * 86_400_000).toISOString()));
    expect(report).toMatchObject({
      jobName: "report",
      expression: "cron(0/5 * * * ? *)",
      timezone: "Europe/Paris",
      last: null,
    });
    expect(report!.next).toHaveLength(3);
    for (const t of report!.next) expect(new Date(t).getUTCMinutes() % 5).toBe(0);

    const table = await cli(["schedules", "--url", server.url]);
    expect(table.stdout).toContain("job     schedule  expression");
    expect(table.stdout).toMatch(
      /tick\s+default\s+rate\(1 day\)\s+UTC\s+\S+ \S+\s+\S+ \S+\s+succeeded/,
    );

    // Restarted on the same database: the day's run is on record, nothing is sent again.
    server.child.kill("SIGTERM");
    await server.exited;
    server = await startServer(folder.dir);
    const again = (await schedules(server.url)).find((s) => s.jobName === "tick");
    expect(again?.last?.jobId).toBe(ticked.jobId);
    expect(again?.next).toEqual(tick!.next);
    const jobs = await cli(["jobs", "--job", "tick", "--url", server.url, "--json"]);
    expect((JSON.parse(jobs.stdout) as { jobs: unknown[] }).jobs).toHaveLength(1);
  });
});
