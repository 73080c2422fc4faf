import { workerData } from "node:worker_threads";
import { importUserModule } from "../user-module.js";
import type { WorkerData } from "./protocol.js";
import { serveJob } from "./worker-entry.js";

// A job worker for a job file that could not be bundled (see worker-bundle.ts):
// the job file is imported as it is on disk, through the TypeScript loader.
const data = workerData as WorkerData;
await serveJob(data, () => importUserModule(data.jobFile));
