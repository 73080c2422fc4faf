import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp.js";
import { repo, type Server, spawnCommandLogged } from "./server.js";

// The Next.js work-queue app as a user has it (examples/nextjs-order-form):
// offload packed with `npm pack` and installed from the tarball into a copy of
// the app outside the repo, `next build`, then `offload start` and `next start`
// side by side, and the order form submitted in Chromium.
const example = join(repo, "examples/nextjs-order-form");
const artifacts = join(repo, ".test-tmp/artifacts/nextjs-order-form");
// npm install (better-sqlite3 compiles from source, ~70 s) and next build take
// minutes on a 2-core machine.
const SETUP_MS = 15 * 60_000;

let tmp: { dir: string; cleanup: () => void } | undefined;
let offload: Omit<Server, "url"> | undefined;
let next: Omit<Server, "url"> | undefined;
let nextUrl: string;
let browser: Browser | undefined;

/** The environment of a user's shell: none of npm's or vitest's own variables. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|VITEST|NODE_ENV$|NODE_OPTIONS$)/i.test(key)) continue;
    env[key] = value;
  }
  // Next.js would otherwise send usage data to its servers.
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(command: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(command, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`)),
    );
  });
}

beforeAll(async () => {
  tmp = tempDir("offload-nextjs-");
  mkdirSync(artifacts, { recursive: true });

  // dist/ is built before the tests (npm test's pretest); a pack that ran the prepare
  // script would rebuild it, removing it under the tests running meanwhile.
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp.dir], repo);
  const tarball = readdirSync(tmp.dir).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${tmp.dir}`);

  // The example as it is in the repo, less what an install or a build leaves in it.
  const app = join(tmp.dir, "app");
  cpSync(example, app, {
    recursive: true,
    filter: (source) =>
      !/^(node_modules|\.next|\.offload|next-env\.d\.ts)(\/|$)/.test(relative(example, source)),
  });
  const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
  manifest.dependencies.offload = `file:${join(tmp.dir, tarball)}`;
  writeFileSync(join(app, "package.json"), JSON.stringify(manifest, null, 2));

  await run("npm", ["install", "--no-audit", "--no-fund"], app);
  await run(process.execPath, [join(app, "node_modules/next/dist/bin/next"), "build"], app);

  // The installed package's own command, as `npx offload start` runs it.
  offload = spawnCommandLogged(
    app,
    join(app, "node_modules/.bin/offload"),
    ["start"],
    userEnv({ OFFLOAD_PORT: "0", OFFLOAD_DB: join(tmp.dir, "offload.db") }),
  );
  const listening = await offload.waitForLog((l) =>
    String(l.msg).startsWith("offload is listening"),
  );

  next = spawnCommandLogged(
    app,
    process.execPath,
    [
      join(app, "node_modules/next/dist/bin/next"),
      "start",
      "--port",
      "0",
      "--hostname",
      "127.0.0.1",
    ],
    userEnv({ OFFLOAD_URL: String(listening.url) }),
  );
  const local = await next.waitForLog((l) => /Local:\s+http:\/\//.test(String(l.raw)));
  nextUrl = /Local:\s+(http:\/\/\S+)/.exec(String(local.raw))![1]!;
  await next.waitForLog((l) => /Ready in/.test(String(l.raw)));

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, SETUP_MS);

afterAll(async () => {
  await browser?.close();
  next?.child.kill("SIGTERM");
  offload?.child.kill("SIGTERM");
  await next?.exited;
  await offload?.exited;
  tmp?.cleanup();
}, 60_000);

/** A fresh page on the order form, with every request it sends to the route counted. */
async function orderForm(): Promise<{ page: Page; posted: () => number }> {
  const page = await browser!.newPage();
  let posts = 0;
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/orders") posts++;
  });
  await page.goto(nextUrl);
  return { page, posted: () => posts };
}

describe("the Next.js order form", () => {
  it("queues a valid order, shows its job id, and the job runs", async () => {
    const { page } = await orderForm();
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Delivery address").fill("12 St James's Square, London");
    await page.getByLabel("Quantity").fill("2");
    await page.getByRole("button", { name: "Place order" }).click();

    const status = page.getByRole("status");
    await status.getByText("Order received").waitFor();
    const jobId = await status.locator("code").textContent();
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    await page.screenshot({ path: join(artifacts, "order-placed.png"), fullPage: true });

    // The id the form shows is the job's: the handler's log line carries it.
    const line = await offload!.waitForLog((l) => l.msg === "Order placed for Ada Lovelace");
    expect(line).toMatchObject({
      jobName: "place-order",
      jobId,
      productId: "mug-classic",
      quantity: 2,
    });
    await page.close();
  });

  it("shows client-side messages for an invalid form and sends nothing", async () => {
    const { page, posted } = await orderForm();
    await page.getByLabel("Delivery address").fill("   ");
    await page.getByLabel("Quantity").fill("0");
    await page.getByRole("button", { name: "Place order" }).click();

    await page.getByText("Please enter your name").waitFor();
    await page.getByText("Please enter a delivery address").waitFor();
    await page.getByText("Please enter a whole number of at least 1").waitFor();
    await expect(page.getByLabel("Name").getAttribute("aria-invalid")).resolves.toBe("true");
    await page.screenshot({ path: join(artifacts, "client-errors.png"), fullPage: true });
    expect(posted()).toBe(0);
    await page.close();
  });

  it("shows the server's field errors when the client's checks are bypassed", async () => {
    const { page, posted } = await orderForm();
    // The page has no field for productId: clearing the hidden input gets past the
    // client's checks, and the job's schema on the offload app refuses it.
    await page
      .locator('input[name="productId"]')
      .evaluate((input, value) => Object.assign(input, { value }), "");
    await page.getByLabel("Name").fill("Grace Hopper");
    await page.getByLabel("Delivery address").fill("1 Navy Way, Arlington");
    await page.getByRole("button", { name: "Place order" }).click();

    await page.getByRole("status").getByText("productId is required").waitFor();
    await page.screenshot({ path: join(artifacts, "server-errors.png"), fullPage: true });
    expect(posted()).toBe(1);
    await page.close();
  });

  it("answers 422 with each field's message from the job's schema", async () => {
    const form = new FormData();
    form.set("productId", "mug-classic");
    form.set("name", "   ");
    form.set("address", "1 Main Street");
    form.set("quantity", "2.5");
    const response = await fetch(`${nextUrl}/api/orders`, { method: "POST", body: form });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      error: {
        code: "InvalidPayload",
        message: "Some fields need another look",
        fields: { name: "name is required", quantity: "quantity must be a whole number" },
      },
    });
  });

  it("answers 400 to a body that is not a form", async () => {
    const response = await fetch(`${nextUrl}/api/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "InvalidRequest" } });
  });
});
