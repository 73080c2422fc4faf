export { API_ROUTES, ApiResources, type ApiResourcesProps } from "./api-resources.js";
export {
  type BundleJob,
  type BundleOptions,
  type Bundles,
  bundleDirectory,
  bundleFunctions,
  type FunctionBundle,
} from "./bundle.js";
export {
  FUNCTION_HANDLER,
  FUNCTION_RUNTIME,
  JobResources,
  type JobResourcesProps,
} from "./job-resources.js";
export { jobQueueNames, topicNames } from "./names.js";
export { OffloadStack, type OffloadStackJob, type OffloadStackProps } from "./offload-stack.js";
export {
  type SynthesizedJob,
  type SynthesizedSchedule,
  type SynthJob,
  type SynthOptions,
  type SynthResult,
  synthesize,
} from "./synth.js";
export {
  assertValidStack,
  type StackInput,
  type StackValidation,
  validateStack,
} from "./validate.js";
