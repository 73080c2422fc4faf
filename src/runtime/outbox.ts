/**
 * Collects items and posts them as one message: when `maxItems` have
 * gathered, or else when `schedule` runs the flush. Crossing threads costs a
 * wake-up of the other thread per message, so a burst crosses in a few
 * messages; `maxItems` lets the other thread start on the first items while
 * this one is still producing the rest.
 */
export class Outbox<T> {
  #items: T[] = [];
  #scheduled = false;
  readonly #post: (items: T[]) => void;
  readonly #schedule: (flush: () => void) => void;
  readonly #maxItems: number;

  constructor(
    post: (items: T[]) => void,
    options: { schedule: (flush: () => void) => void; maxItems?: number },
  ) {
    this.#post = post;
    this.#schedule = options.schedule;
    this.#maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.#maxItems) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#scheduledFlush);
    }
  }

  /** Posts what has gathered now. */
  flush(): void {
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#post(items);
  }

  readonly #scheduledFlush = () => {
    this.#scheduled = false;
    this.flush();
  };
}
