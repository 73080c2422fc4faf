/**
 * Time as a dependency. Everything time-dependent in offload reads `now()` and
 * schedules through `setTimer()`, so tests move time with {@link TestClock}
 * instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once, `ms` milliseconds from now. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Opaque handle returned by {@link Clock.setTimer}. */
export interface TimerHandle {
  readonly __timer: true;
}

interface SystemTimer extends TimerHandle {
  id: ReturnType<typeof setTimeout>;
}

/** The wall clock. Timers are unref'd so a pending poll never keeps a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const id = setTimeout(fn, Math.max(0, ms));
    (id as { unref?: () => void }).unref?.();
    return { __timer: true, id } as SystemTimer;
  },
  clearTimer(handle) {
    clearTimeout((handle as SystemTimer).id);
  },
};

interface TestTimer extends TimerHandle {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer due
 * in that window, in order of due time, with `now()` set to each timer's due
 * time while it runs.
 *
 * @example
 * const clock = new TestClock(Date.parse("2026-01-01T00:00:00Z"));
 * const engine = createEngine({ path, clock });
 * clock.advance(30_000); // the visibility timeout has passed
 */
export class TestClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: TestTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: TestTimer = {
      __timer: true,
      due: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as TestTimer;
    timer.cancelled = true;
    this.#timers = this.#timers.filter((t) => t !== timer);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: TestTimer | undefined;
      for (const t of this.#timers) {
        if (
          t.due <= until &&
          (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))
        ) {
          next = t;
        }
      }
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = until;
  }

  /** Sets the time (forward only), firing due timers. */
  set(epochMs: number): void {
    if (epochMs < this.#now) throw new RangeError("TestClock only moves forward");
    this.advance(epochMs - this.#now);
  }
}
