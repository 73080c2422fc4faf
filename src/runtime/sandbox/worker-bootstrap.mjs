// Runs first in a worker thread when offload runs from its TypeScript sources
// (its own tests; see thread-entry.ts): registers the TypeScript loader, then
// loads the worker's entry module, which is TypeScript too. The compiled
// package starts its threads from their JavaScript modules directly.
import { workerData } from "node:worker_threads";
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
registerCommonJs();
await import(workerData.entry);
