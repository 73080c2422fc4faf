#!/usr/bin/env node
// The `offload` command, from the compiled package. The TypeScript loader is
// registered later, by the commands that read the app's TypeScript files.
import { existsSync } from "node:fs";
import module from "node:module";

// Node 22 keeps the compiled code of the modules it loads on disk: later runs start sooner.
module.enableCompileCache?.();
// The AWS SDK warns on every run under Node.js 20 about its future releases;
// offload supports Node.js 20, and the warning would break the CLI's
// one-line errors. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "offload: the package is not built (there is no dist/): run `npm run build`\n",
  );
  process.exit(1);
}
// A reader that stops early (`offload stats | head -3`) ends the output, not in a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
