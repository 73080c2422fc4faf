export { type Clock, systemClock, TestClock, type TimerHandle } from "./clock.js";
export { OffloadError, type OffloadErrorOptions, toError } from "./errors.js";
