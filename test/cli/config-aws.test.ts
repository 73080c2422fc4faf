import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/cli/config.js";
import { tempDir } from "../support/temp.js";

describe("config: app, stage and aws", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  function app(config: string, packageName?: string): string {
    const { dir, cleanup } = tempDir("config-aws");
    cleanups.push(cleanup);
    writeFileSync(join(dir, "offload.config.mjs"), `export default ${config};\n`);
    if (packageName)
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: packageName }));
    return dir;
  }
  const load = (cwd: string, env: NodeJS.ProcessEnv = {}) =>
    loadConfig({ cwd, env, mode: "client" });

  it("defaults: app from package.json without its scope, stage dev, IAM auth, 1024 MB", async () => {
    const dir = app("{}", "@acme/shop_web");
    const config = await load(dir);
    expect(config.app).toBe("shop-web");
    expect(config.stage).toBe("dev");
    expect(config.aws).toEqual({
      region: undefined,
      alertEmail: undefined,
      memorySize: 1024,
      api: { auth: "iam", corsOrigins: [] },
      outputsFile: join(dir, ".offload/cdk-outputs.json"),
      endpointUrl: undefined,
      jobHistory: true,
    });
  });

  it("takes the file's values, and the environment over them", async () => {
    const dir = app(
      `{ app: "shop", stage: "prod", aws: { region: "eu-west-1", alertEmail: "ops@example.com", memorySize: 512,
         api: { auth: { jwt: { issuer: "https://id.example.com", audience: ["web"] } }, corsOrigins: ["https://example.com"] },
         outputsFile: "out.json", endpointUrl: "http://127.0.0.1:5000" } }`,
    );
    const config = await load(dir, { OFFLOAD_STAGE: "staging", AWS_REGION: "us-west-2" });
    expect(config.app).toBe("shop");
    expect(config.stage).toBe("staging");
    expect(config.aws.region).toBe("us-west-2");
    expect(config.aws.memorySize).toBe(512);
    expect(config.aws.api.auth).toEqual({
      jwt: { issuer: "https://id.example.com", audience: ["web"] },
    });
    expect(config.aws.outputsFile).toBe(join(dir, "out.json"));
    expect(config.aws.endpointUrl).toBe("http://127.0.0.1:5000");
  });

  it.each([
    [
      `{ aws: { memorySize: 64 } }`,
      /aws\.memorySize 64 is not a whole number of MB from 128 to 10240/,
    ],
    [`{ aws: { alertEmail: "ops" } }`, /aws\.alertEmail "ops" is not an email address/],
    [
      `{ aws: { api: { auth: "cognito" } } }`,
      /aws\.api\.auth "cognito" is not "iam", "none" or \{ jwt: \{ issuer, audience \} \}/,
    ],
    [
      `{ aws: { api: { auth: { jwt: { issuer: "http://id", audience: ["a"] } } } } }`,
      /aws\.api\.auth\.jwt\.issuer "http:\/\/id" is not an https URL/,
    ],
    [
      `{ aws: { api: { auth: { jwt: { issuer: "https://id", audience: [] } } } } }`,
      /aws\.api\.auth\.jwt\.audience \[\] must list at least one non-empty audience/,
    ],
    [
      `{ aws: { alertEmail: "ops@example" } }`,
      /aws\.alertEmail "ops@example" is not an email address/,
    ],
    [
      `{ aws: { api: { corsOrigins: ["https://example.com/app"] } } }`,
      /aws\.api\.corsOrigins entries must be "\*" or an origin .*; got "https:\/\/example.com\/app"/,
    ],
    [`{ aws: { bucket: "x" } }`, /unknown option aws\.bucket; the options are region, alertEmail/],
    [`{ stage: "prod env" }`, /stage must be 1-40 letters, digits or hyphens; got "prod env"/],
  ])("refuses %s naming the field", async (config, message) => {
    await expect(load(app(config))).rejects.toThrow(message);
  });

  it("names the app after its folder when there is no package.json", async () => {
    const { dir, cleanup } = tempDir("config-aws");
    cleanups.push(cleanup);
    const folder = join(dir, "9-my_app");
    mkdirSync(folder);
    writeFileSync(join(folder, "offload.config.mjs"), "export default {};\n");
    expect((await load(folder)).app).toBe("my-app");
    rmSync(folder, { recursive: true });
  });
});
