import { pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";
import type { WorkerData } from "./protocol.js";
import { serveJob } from "./worker-entry.js";

// A job worker started through the TypeScript loader (worker-bootstrap.mjs):
// the job file is imported as it is on disk.
const data = workerData as WorkerData;
await serveJob(data, () => import(pathToFileURL(data.jobFile).href));
