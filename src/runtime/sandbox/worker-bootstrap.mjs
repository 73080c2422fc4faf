// Runs first in every job worker: registers the TypeScript loader (job files
// are TypeScript), then loads the worker entry, which may itself be TS.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
