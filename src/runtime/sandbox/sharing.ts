/**
 * A job's batches share a worker while they are light: when, on average, a batch has kept its
 * worker's event loop busy for at most this long (the rest of its time it awaits I/O). A light
 * batch then waits at most this long per neighbour for the loop, and the job wakes one thread
 * per turn instead of one per batch. Heavier batches (CPU-bound work) get a worker each.
 */
export const SHARE_BELOW_BUSY_MS = 5;
/**
 * A job that shares a worker goes back to a worker per batch only once that average passes
 * this: between the two lines it keeps what it does, so a job whose batches sit near one line
 * does not switch at every batch (each switch to sharing strands the other workers idle).
 */
export const STOP_SHARING_ABOVE_BUSY_MS = 2 * SHARE_BELOW_BUSY_MS;
/** How much the newest batch weighs in that average. */
export const BUSY_WEIGHT = 0.2;
/**
 * A batch that timed out or crashed its worker counts as one that kept its thread busy this
 * long, whatever it did: a shared worker is where one bad batch fails its neighbours, so the
 * job's next batches get a worker each until some 17 light ones have run.
 */
export const FAILED_BATCH_BUSY_MS = 1000;

/**
 * Whether a job's batches share a worker, from how long its batches have kept their worker's
 * event loop busy (a moving average, with the two lines above). Starts apart: until a batch
 * has answered, nothing says the job is light.
 */
export class SharingPolicy {
  /** Average event-loop busy time of a batch, ms; undefined until a batch has answered. */
  #busyMs: number | undefined;
  #sharing = false;

  get sharing(): boolean {
    return this.#sharing;
  }

  /** The average busy time of a batch, ms; undefined until a batch has answered. */
  get averageBusyMs(): number | undefined {
    return this.#busyMs;
  }

  /** A batch answered, having kept its worker's event loop busy for `busyMs`. */
  note(busyMs: number): void {
    this.#busyMs =
      this.#busyMs === undefined ? busyMs : this.#busyMs + BUSY_WEIGHT * (busyMs - this.#busyMs);
    this.#sharing = this.#sharing
      ? this.#busyMs <= STOP_SHARING_ABOVE_BUSY_MS
      : this.#busyMs <= SHARE_BELOW_BUSY_MS;
  }

  /** A batch timed out or crashed its worker. */
  noteFailed(): void {
    this.note(FAILED_BATCH_BUSY_MS);
  }
}
