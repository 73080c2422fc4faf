// Runs first in every worker thread that loads job files through the
// TypeScript loader (job workers, and the local app's engine thread):
// registers the loader, then loads the worker entry, which may itself be TS.
import { workerData } from "node:worker_threads";
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

// Both hooks: a .ts file in a package without "type": "module" is CommonJS to Node,
// and loads through the CommonJS hook even when it is written with import/export.
register();
registerCommonJs();
await import(workerData.entry);
