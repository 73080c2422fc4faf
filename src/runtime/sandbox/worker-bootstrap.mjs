// Runs first in every worker thread that loads job files through the
// TypeScript loader (job workers, and the local app's engine thread):
// registers the loader, then loads the worker entry, which may itself be TS.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
