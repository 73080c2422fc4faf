import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/core/client.js";
import type { JobDefinition } from "../../src/core/job-types.js";
import { startTestServer } from "../support/server.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const JOBS = {
  greet: `export default defineJob({ schema: z.object({ name: z.string() }), handler: async () => {} });`,
  mail: `export default defineJob({ handler: async () => {} });`,
};

// The type parameter as a web app writes it, from `import type` of its job files.
type Jobs = {
  greet: JobDefinition<{ name: string }>;
  mail: JobDefinition<unknown>;
};

describe("the HTTP client's getJob(jobName, id)", () => {
  it("reads a delayed job's payload over GET /jobs/:id, typed as the job's", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const offload = createClient<Jobs>({ url: server.url });
    const jobId = await offload.send("greet", { name: "Ada" }, { delay: "10m" });

    const job = await offload.getJob("greet", jobId);
    expect(job).toMatchObject({ jobId, jobName: "greet", state: "delayed" });
    expect(job.payload?.name).toBe("Ada");
    expect((await offload.getJob(jobId)).payload).toEqual({ name: "Ada" });
    const answer = (await (await fetch(`${server.url}/jobs/${jobId}`)).json()) as object;
    expect(answer).toMatchObject({ payload: { name: "Ada" } });
    // A listing leaves payloads out: a page of 1000 jobs could be a gigabyte.
    const page = (await (await fetch(`${server.url}/jobs`)).json()) as { jobs: object[] };
    expect(page.jobs[0]).toMatchObject({ jobId });
    expect(page.jobs[0]).not.toHaveProperty("payload");
  });

  it("refuses a job of another name with JobNotFound naming both", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const offload = createClient<Jobs>({ url: server.url });
    const jobId = await offload.send("greet", { name: "Bo" }, { delay: "10m" });
    await expect(offload.getJob("mail", jobId)).rejects.toMatchObject({
      code: "JobNotFound",
      jobName: "mail",
      message: `No mail job ${jobId}: job ${jobId} is a greet job`,
    });
    await expect(offload.getJob("mail", "no-such-job")).rejects.toMatchObject({
      code: "JobNotFound",
    });
  });
});
