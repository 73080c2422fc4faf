export {
  createEngineTransport,
  dlqNameOf,
  type EngineLayoutOptions,
  JOBS_TOPIC_NAME,
  type JobQueueSpec,
  type OrphanedJobQueue,
  orphanedJobQueues,
  subscribedJobQueues,
} from "./engine-transport.js";
export type { AlarmEvent, RuntimeEvents, RuntimeJobRecords } from "./events.js";
export { importJob, type LoadedJob, loadJobs } from "./load-jobs.js";
export {
  type JobCounters,
  type Runtime,
  type RuntimeOptions,
  type RuntimeStopOptions,
  startRuntime,
} from "./runtime.js";
export {
  type ScheduledRun,
  type Scheduler,
  type SchedulerOptions,
  scheduleSummaries,
  startScheduler,
  upcoming,
} from "./schedules/index.js";
export { exitOnSignals } from "./shutdown.js";
export { toSqsEvent, toSqsRecord } from "./sqs-event.js";
