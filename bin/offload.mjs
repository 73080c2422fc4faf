#!/usr/bin/env node
// The `offload` command. Job files and offload.config.ts are TypeScript, so
// the TypeScript loader is registered before anything else is imported.
import { register } from "tsx/esm/api";

register();
const { main } = await import(new URL("../src/cli/main.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
