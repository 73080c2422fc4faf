import { describe, expect, it } from "vitest";
import { createCliLogger } from "../../src/cli/logger.js";

describe("the readable (dev) log format", () => {
  it("writes one line per record, quoting values that are not plain words", () => {
    const lines: string[] = [];
    const logger = createCliLogger("info", "pretty", (line) => lines.push(line));
    logger.warn(
      {
        jobName: "greeting",
        attempt: 2,
        error: 'Error: boom\n    at handler (jobs/greeting.ts:3:9) "quoted"',
        reason: "two words",
        issues: [{ path: "name", message: "name is required" }],
      },
      "job failed",
    );
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line!.endsWith("\n")).toBe(true);
    expect(line!.trimEnd()).not.toContain("\n");
    expect(line).toMatch(/^\d\d:\d\d:\d\d WARN {2}job failed {2}/);
    expect(line).toContain(" jobName=greeting ");
    expect(line).toContain(" attempt=2 ");
    expect(line).toContain(
      ' error="Error: boom\\n    at handler (jobs/greeting.ts:3:9) \\"quoted\\"" ',
    );
    expect(line).toContain(' reason="two words" ');
    expect(line).toContain(' issues=[{"path":"name","message":"name is required"}]');
  });
});
