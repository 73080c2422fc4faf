import type { ScheduleSummary } from "../../core/schedule-summary.js";
import { table } from "../format.js";
import type { JobsClient } from "../jobs-client.js";
import type { Output } from "./client-commands.js";

/** `offload schedules` */
export async function schedulesCommand(client: JobsClient, o: Output) {
  const [schedules, delayedSends] = await Promise.all([
    client.schedules(),
    client.delayedSends?.(),
  ]);
  if (o.json) {
    return o.out(
      JSON.stringify({ schedules, ...(delayedSends === undefined ? {} : { delayedSends }) }),
    );
  }
  // On AWS each schedule has a state in EventBridge Scheduler (ENABLED, DISABLED).
  const aws = delayedSends !== undefined;
  if (schedules.length === 0) o.out("no schedules");
  else {
    o.out(
      table(
        [
          "job",
          "schedule",
          "expression",
          "timezone",
          ...(aws ? ["state"] : []),
          "next",
          "last run",
          "outcome",
        ],
        schedules.flatMap((s) => rows(s, aws)),
      ),
    );
  }
  if (aws) {
    o.out(
      `${delayedSends} send(s) delayed beyond 15 minutes waiting as one-time schedules (not listed)`,
    );
  }
}

/** A schedule's line, and a line under it for each further due time. */
function rows(s: ScheduleSummary, aws: boolean): Array<Array<string>> {
  const [first = "never again", ...rest] = s.next.map(shortTime);
  const state = aws ? [s.state ?? "-"] : [];
  return [
    [
      s.jobName,
      s.name,
      s.expression,
      s.timezone,
      ...state,
      first,
      s.last ? shortTime(s.last.dueAt) : "-",
      s.last ? (s.last.state ?? "unknown") : "-",
    ],
    ...rest.map((t) => ["", "", "", "", ...state.map(() => ""), t, "", ""]),
  ];
}

/** `2026-01-10T10:05:00.000Z` → `2026-01-10 10:05:00Z` */
function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(".000Z", "Z");
}
