import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bundles, bundleFunctions } from "../../src/cdk/index.js";
import { OffloadError } from "../../src/core/errors.js";
import { tempFolder, twoJobSources, writeJobs } from "./support.js";

const folder = tempFolder();
let files: Record<string, string>;
let bundles: Bundles;

beforeAll(async () => {
  files = writeJobs(join(folder.dir, "jobs"), {
    ...twoJobSources(),
    render: `export default defineJob({ runtime: "container", handler: async () => {} });`,
  });
  bundles = await bundleFunctions({
    jobs: [
      { name: "a", file: files.a! },
      { name: "b", file: files.b! },
      { name: "render", file: files.render!, runtime: "container" },
    ],
    outdir: join(folder.dir, "bundles"),
  });
});
afterAll(() => folder.cleanup());

const source = (directory: string) => readFileSync(join(directory, "index.mjs"), "utf8");

/** Sets environment variables for `run`, then restores them. */
async function withEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("bundleFunctions", () => {
  it("bundles each Lambda job, and none for a container job", () => {
    expect([...bundles.jobs.keys()]).toEqual(["a", "b"]);
    expect(bundles.jobs.get("a")!.directory).toBe(join(folder.dir, "bundles", "jobs", "a"));
    expect(bundles.api.directory).toBe(join(folder.dir, "bundles", "_api"));
  });

  it("puts no other job's code in a job's bundle; the API's holds every job", () => {
    const a = source(bundles.jobs.get("a")!.directory);
    const b = source(bundles.jobs.get("b")!.directory);
    const api = source(bundles.api.directory);
    expect(a).toContain("MARKER_JOB_A_ONLY");
    expect(a).not.toContain("MARKER_JOB_B_ONLY");
    expect(b).toContain("MARKER_JOB_B_ONLY");
    expect(b).not.toContain("MARKER_JOB_A_ONLY");
    expect(api).toContain("MARKER_JOB_A_ONLY");
    expect(api).toContain("MARKER_JOB_B_ONLY");
  });

  it("leaves the AWS SDK to Lambda's runtime and minifies", () => {
    const a = source(bundles.jobs.get("a")!.directory);
    expect(a).toMatch(/from\s*"@aws-sdk\/client-sqs"/);
    // Minified: a handful of long lines, not the sources' layout.
    expect(a.split("\n").length).toBeLessThan(10);
  });

  it("reports each bundle's minified size", async ({ annotate }) => {
    const sizes: Record<string, number> = {};
    for (const [name, bundle] of [...bundles.jobs, ["(api)", bundles.api] as const]) {
      expect(bundle.bytes).toBe(statSync(join(bundle.directory, "index.mjs")).size);
      expect(bundle.bytes).toBeGreaterThan(1000);
      sizes[name] = bundle.bytes;
    }
    await annotate(`minified bundle sizes (bytes): ${JSON.stringify(sizes)}`);
  });

  it("gives a job bundle that Node loads as an ES module, exporting a working handler", async () => {
    const url = pathToFileURL(join(bundles.jobs.get("a")!.directory, "index.mjs")).href;
    const response = await withEnv(
      {
        OFFLOAD_JOB_NAME: "a",
        OFFLOAD_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/demo-dev-a",
        OFFLOAD_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/demo-dev-a-dlq",
      },
      async () => {
        const { handler } = (await import(url)) as {
          handler: (event: unknown) => Promise<unknown>;
        };
        return handler({ Records: [] });
      },
    );
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it("gives an API bundle that serves the app's routes", async () => {
    const url = pathToFileURL(join(bundles.api.directory, "index.mjs")).href;
    const response = await withEnv(
      {
        OFFLOAD_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:demo-dev-jobs",
        OFFLOAD_QUEUES: JSON.stringify({
          a: "https://sqs.us-east-1.amazonaws.com/123456789012/demo-dev-a",
          b: "https://sqs.us-east-1.amazonaws.com/123456789012/demo-dev-b",
          render: "https://sqs.us-east-1.amazonaws.com/123456789012/demo-dev-render",
        }),
      },
      async () => {
        const { handler } = (await import(url)) as {
          handler: (event: unknown) => Promise<{ statusCode: number; body: string }>;
        };
        return handler({
          version: "2.0",
          routeKey: "$default",
          rawPath: "/health",
          rawQueryString: "",
          headers: { host: "api.example.com" },
          requestContext: { http: { method: "GET", path: "/health" }, stage: "$default" },
          isBase64Encoded: false,
        });
      },
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "ok", jobs: ["a", "b", "render"] });
  });

  it("fails with BundleFailed naming the job and what could not be resolved", async () => {
    const broken = writeJobs(join(folder.dir, "broken"), {
      oops: `import "./does-not-exist.js";\nexport default defineJob({ handler: async () => {} });`,
    });
    const attempt = bundleFunctions({
      jobs: [{ name: "oops", file: broken.oops! }],
      outdir: join(folder.dir, "broken-bundles"),
    });
    await expect(attempt).rejects.toThrow(OffloadError);
    await expect(attempt).rejects.toThrow(/Bundling job oops failed:[\s\S]*does-not-exist/);
  });
});
