import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/cli/config.js";
import { tempDir } from "../support/temp.js";

describe("config: the file's values", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  function app(config: string): { dir: string; file: string } {
    const { dir, cleanup } = tempDir("config");
    cleanups.push(cleanup);
    const file = join(dir, "offload.config.mjs");
    writeFileSync(file, `export default ${config};\n`);
    return { dir, file };
  }
  const load = (cwd: string, env: NodeJS.ProcessEnv = {}) =>
    loadConfig({ cwd, env, mode: "start" });

  it("takes well-formed values, and the environment over them", async () => {
    const { dir } = app(
      `{ port: 4000, bodyLimit: 2048, corsOrigins: ["https://app.example.com"], alertWebhook: "https://hooks.example.com/offload" }`,
    );
    const config = await load(dir, { OFFLOAD_BODY_LIMIT: "4096" });
    expect(config).toMatchObject({
      port: 4000,
      bodyLimit: 4096,
      corsOrigins: ["https://app.example.com"],
      alertWebhook: "https://hooks.example.com/offload",
    });
  });

  it.each([
    [
      `{ bodyLimit: "1mb" }`,
      'bodyLimit must be an integer from 1024 to 16777216 (bytes); got string "1mb"',
    ],
    [
      "{ bodyLimit: -5 }",
      "bodyLimit must be an integer from 1024 to 16777216 (bytes); got number -5",
    ],
    [
      "{ bodyLimit: 1e11 }",
      "bodyLimit must be an integer from 1024 to 16777216 (bytes); got number 100000000000",
    ],
    [
      "{ bodyLimit: 1536.5 }",
      "bodyLimit must be an integer from 1024 to 16777216 (bytes); got number 1536.5",
    ],
    [`{ port: "3000" }`, 'port must be an integer from 0 to 65535; got string "3000"'],
    ["{ port: 70000 }", "port must be an integer from 0 to 65535; got number 70000"],
    [
      `{ corsOrigins: "https://app.example.com" }`,
      'corsOrigins must be an array of origins, like ["https://app.example.com"]; got string "https://app.example.com"',
    ],
    [
      "{ corsOrigins: [42] }",
      'corsOrigins must be an array of origins, like ["https://app.example.com"]; got an array ([42])',
    ],
    ["{ jobs: 5 }", "jobs must be a non-empty string; got number 5"],
    [`{ database: "" }`, 'database must be a non-empty string; got string ""'],
    ["{ apiKey: null }", "apiKey must be a non-empty string; got null"],
    ["{ host: ['0.0.0.0'] }", 'host must be a non-empty string; got an array (["0.0.0.0"])'],
    [`{ durability: "fast" }`, 'durability must be "full" or "relaxed"; got "fast"'],
    [`{ jobHistory: "off" }`, 'jobHistory must be true or false; got string "off"'],
    [`{ logLevel: "verbose" }`, 'logLevel must be debug, info, warn or error; got "verbose"'],
    [`{ stage: "prod env" }`, 'stage must be 1-40 letters, digits or hyphens; got "prod env"'],
    [
      `{ alertWebhook: "hooks.example.com/offload" }`,
      'alertWebhook must be an http:// or https:// URL; got "hooks.example.com/offload"',
    ],
  ])("refuses %s, naming the file and the option", async (config, message) => {
    const { dir, file } = app(config);
    const error = await load(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "InvalidConfig", message: `${file}: ${message}` });
  });

  it.each([
    ["OFFLOAD_DURABILITY", "fast", 'must be "full" or "relaxed"; got "fast"'],
    ["OFFLOAD_JOB_HISTORY", "no", 'must be on or off (or true, false, 1, 0); got "no"'],
    ["OFFLOAD_LOG_LEVEL", "verbose", 'must be debug, info, warn or error; got "verbose"'],
    ["OFFLOAD_STAGE", "prod env", 'must be 1-40 letters, digits or hyphens; got "prod env"'],
  ])("refuses %s=%s, naming the environment variable", async (name, value, message) => {
    const { dir } = app("{}");
    await expect(load(dir, { [name]: value })).rejects.toThrow(
      `environment variable ${name} ${message}`,
    );
  });

  it("keeps job history unless the file or OFFLOAD_JOB_HISTORY turns it off", async () => {
    expect((await load(app("{}").dir)).jobHistory).toBe(true);
    const { dir } = app("{ jobHistory: false }");
    expect((await load(dir)).jobHistory).toBe(false);
    expect((await load(dir, { OFFLOAD_JOB_HISTORY: "on" })).jobHistory).toBe(true);
    expect((await load(app("{}").dir, { OFFLOAD_JOB_HISTORY: "off" })).jobHistory).toBe(false);
  });

  it("refuses a webhook that is not an http(s) URL from the environment too", async () => {
    const { dir } = app("{}");
    await expect(load(dir, { OFFLOAD_ALERT_WEBHOOK: "ftp://example.com/hook" })).rejects.toThrow(
      'environment variable OFFLOAD_ALERT_WEBHOOK must be an http:// or https:// URL; got "ftp://example.com/hook"',
    );
  });

  it("refuses a CORS origin it cannot match, naming where it came from", async () => {
    const { dir, file } = app(`{ corsOrigins: ["https://app.example.com/path"] }`);
    await expect(load(dir)).rejects.toThrow(
      `${file}: corsOrigins entries must be "*" or an origin like "https://app.example.com" (scheme and host, no path); got "https://app.example.com/path"`,
    );
    await expect(
      load(dir, { OFFLOAD_CORS_ORIGINS: "https://ok.example.com, notanorigin" }),
    ).rejects.toThrow(
      'environment variable OFFLOAD_CORS_ORIGINS entries must be "*" or an origin like "https://app.example.com" (scheme and host, no path); got "notanorigin"',
    );
  });

  it("refuses pages that are not a folder when it serves them, and not when it is a client", async () => {
    const { dir, file } = app(`{ pages: "site" }`);
    await expect(load(dir)).rejects.toThrow(
      `${file}: pages must be a folder of pages; ${join(dir, "site")} is not one`,
    );
    await expect(load(dir, { OFFLOAD_PAGES: file })).rejects.toThrow(
      `environment variable OFFLOAD_PAGES must be a folder of pages; ${file} is not one`,
    );
    const client = await loadConfig({ cwd: dir, env: {}, mode: "client" });
    expect(client.pagesDir).toBe(join(dir, "site"));
  });
});
