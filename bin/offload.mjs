#!/usr/bin/env node
// The `offload` command. Job files and offload.config.ts are TypeScript, so
// the TypeScript loader is registered before anything else is imported.
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

// Both hooks: a .ts file in a package without "type": "module" is CommonJS to Node,
// and loads through the CommonJS hook even when it is written with import/export.
register();
registerCommonJs();
// The AWS SDK warns on every run under Node.js 20 about its future releases;
// offload supports Node.js 20, and the warning would break the CLI's
// one-line errors. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { main } = await import(new URL("../src/cli/main.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
