import type { JobDefinition } from "../../core/job-types.js";
import type { ScheduleSummary } from "../../core/schedule-summary.js";
import type { EngineSchedules } from "../../engine/index.js";
import { definitionOf, firstDue, upcoming } from "./due-times.js";

/** An epoch ms as ISO text; null for none, or one beyond what a Date holds. */
const iso = (ms: number | null | undefined) =>
  ms == null || !Number.isFinite(new Date(ms).getTime()) ? null : new Date(ms).toISOString();

/**
 * The app's schedules with their next three due times and last run, from the definitions and
 * the stored rows (a schedule not stored yet, or changed since, shows its first due times).
 */
export async function scheduleSummaries(
  jobs: ReadonlyArray<{ name: string; definition: Pick<JobDefinition, "options"> }>,
  store: Pick<EngineSchedules, "list">,
  now: number,
): Promise<ScheduleSummary[]> {
  const rows = new Map((await store.list()).map((r) => [`${r.JobName}\n${r.ScheduleName}`, r]));
  const out: ScheduleSummary[] = [];
  for (const job of [...jobs].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const s of job.definition.options.schedules) {
      const row = rows.get(`${job.name}\n${s.name}`);
      const current = row && row.Definition === definitionOf(s) ? row : undefined;
      const next = current ? current.NextDueAt : firstDue(s, now);
      out.push({
        jobName: job.name,
        name: s.name,
        expression: s.expression,
        timezone: s.timezone,
        next: upcoming(s, next, 3)
          .filter((t) => Number.isFinite(new Date(t).getTime()))
          .map((t) => new Date(t).toISOString()),
        last:
          row?.LastJobId && row.LastDueAt !== null && row.LastFiredAt !== null
            ? {
                dueAt: iso(row.LastDueAt)!,
                firedAt: iso(row.LastFiredAt)!,
                jobId: row.LastJobId,
                state: row.LastJobState,
              }
            : null,
        skippedAt: iso(row?.LastSkippedAt),
        catchUp: s.catchUp,
        start: iso(s.start),
        end: iso(s.end),
      });
    }
  }
  return out;
}
