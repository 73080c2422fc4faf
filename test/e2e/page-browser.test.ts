import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoApp, repo, startDemoApp } from "./server.js";

// The demo page in Chromium: each submitted job's answer, then its live status under it.
const artifacts = join(repo, ".test-tmp/artifacts/demo-page");
let server: DemoApp;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startDemoApp({ OFFLOAD_DEMO_EMAIL_FAILURE_RATE: "0" });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the demo page in a browser", () => {
  it("shows a submitted job's id, then its status until it has succeeded", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel("Task").fill("thumb-browser");
    await page.getByRole("button", { name: "Submit Job", exact: true }).click();
    const output = page.locator("#resize-result");
    await output.getByText(/^Accepted \(202\): job [0-9a-f-]{36}/).waitFor();
    const status = output.locator(".status");
    await status.and(page.locator('[data-state="succeeded"]')).waitFor();
    await expect(status.textContent()).resolves.toBe("succeeded · 1 attempt");
    const jobId = /job ([0-9a-f-]{36})/.exec((await output.textContent()) ?? "")?.[1];
    const line = await server.waitForLog((l) => l.msg === "Resized image for task thumb-browser");
    expect(line.jobId).toBe(jobId);
    await page.screenshot({ path: join(artifacts, "submit-job.png"), fullPage: true });
    await page.close();
  });

  it("shows a failing job retrying, with its error", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel("Task").fill("thumb-fails");
    await page.getByRole("button", { name: "Submit Failing Job" }).click();
    const status = page.locator("#resize-result .status");
    await status.and(page.locator('[data-state="retrying"]')).waitFor();
    await expect(status.textContent()).resolves.toMatch(
      /^retrying · 1 attempt · next at \d\d:\d\d:\d\d · last error: Resizing failed for task thumb-fails$/,
    );
    await page.screenshot({ path: join(artifacts, "submit-failing-job.png"), fullPage: true });
    await page.close();
  });
});
