import type { ScheduleSummary } from "../../core/schedule-summary.js";
import { table } from "../format.js";
import type { JobsClient } from "../jobs-client.js";
import type { Output } from "./client-commands.js";

/** `offload schedules` */
export async function schedulesCommand(client: JobsClient, o: Output) {
  const schedules = await client.schedules();
  if (o.json) return o.out(JSON.stringify({ schedules }));
  if (schedules.length === 0) return o.out("no schedules");
  o.out(
    table(
      ["job", "schedule", "expression", "timezone", "next", "last run", "outcome"],
      schedules.flatMap((s) => rows(s)),
    ),
  );
}

/** A schedule's line, and a line under it for each further due time. */
function rows(s: ScheduleSummary): Array<Array<string>> {
  const [first = "never again", ...rest] = s.next.map(shortTime);
  return [
    [
      s.jobName,
      s.name,
      s.expression,
      s.timezone,
      first,
      s.last ? shortTime(s.last.dueAt) : "-",
      s.last ? (s.last.state ?? "unknown") : "-",
    ],
    ...rest.map((t) => ["", "", "", "", t, "", ""]),
  ];
}

/** `2026-01-10T10:05:00.000Z` → `2026-01-10 10:05:00Z` */
function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(".000Z", "Z");
}
