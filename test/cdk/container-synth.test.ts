import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SynthResult, synthesize } from "../../src/cdk/index.js";
import { loadJobs } from "../../src/runtime/load-jobs.js";
import { tempFolder, writeJobs } from "./support.js";

const folder = tempFolder();
let synth: SynthResult;
beforeAll(async () => {
  const dir = join(folder.dir, "jobs");
  writeJobs(dir, {
    mail: `export default defineJob({ handler: async () => {} });`,
    render: `export default defineJob({ runtime: "container", container: { cpu: 1024 }, handler: async () => {} });`,
  });
  const jobs = (await loadJobs(dir)).map((j) => ({
    name: j.name,
    file: j.file,
    options: j.definition.options,
  }));
  // Offline and without Docker: the image is only staged here, built at deploy.
  synth = await synthesize({ jobs, app: "demo", outdir: join(folder.dir, "cdk.out") });
});
afterAll(() => folder.cleanup());

describe("offload synth with a container job", () => {
  it("passes cdk-nag and lists the job's service, size and scaling", () => {
    expect(synth.errors).toEqual([]);
    const render = synth.jobs.find((j) => j.name === "render")!;
    expect(render.container).toEqual({
      service: "demo-dev/RenderWorker/Service",
      context: join(folder.dir, "cdk.out", "containers", "render"),
      cpu: 1024,
      memoryMiB: 2048,
      minTasks: 0,
      maxTasks: 10,
      // 1m ÷ 15s × 5 jobs at once
      targetBacklogPerTask: 20,
    });
    expect(render.bundleBytes).toBeGreaterThan(0);
    expect(synth.jobs.find((j) => j.name === "mail")!.container).toBeUndefined();
  });

  it("stages the build context as an ARM64 image asset for deploy to build", () => {
    const assets = JSON.parse(
      readFileSync(join(synth.outdir, `${synth.stackName}.assets.json`), "utf8"),
    ) as { dockerImages: Record<string, { source: { directory: string; platform?: string } }> };
    const images = Object.values(assets.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source.platform).toBe("linux/arm64");
    const staged = join(synth.outdir, images[0]!.source.directory);
    expect(readFileSync(join(staged, "Dockerfile"), "utf8")).toContain("node:22-alpine");
  });
});
