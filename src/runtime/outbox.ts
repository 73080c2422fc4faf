/**
 * Collects items and posts them as one message: when `maxItems` have
 * gathered, or else when `schedule` runs the flush. Crossing threads costs a
 * wake-up of the other thread per message, so a burst crosses in a few
 * messages; `maxItems` lets the other thread start on the first items while
 * this one is still producing the rest.
 *
 * A post can throw: `postMessage` copies its message with the structured
 * clone, which overflows the stack on a value nested thousands deep and
 * refuses functions. The flush runs from a timer or inside another call, so
 * an error thrown there is caught by no one (it took the whole server down).
 * Instead the batch is posted again item by item, and each item that still
 * cannot go is handed to `undeliverable`: one bad item fails alone, and the
 * rest of its batch goes through.
 */
export class Outbox<T> {
  #items: T[] = [];
  #scheduled = false;
  readonly #post: (items: T[]) => void;
  readonly #schedule: (flush: () => void) => void;
  readonly #maxItems: number;
  readonly #undeliverable: (item: T, error: unknown) => void;

  constructor(
    post: (items: T[]) => void,
    options: {
      schedule: (flush: () => void) => void;
      maxItems?: number;
      /** Called (never throwing) for each item that cannot be posted, with why. */
      undeliverable: (item: T, error: unknown) => void;
    },
  ) {
    this.#post = post;
    this.#schedule = options.schedule;
    this.#maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
    this.#undeliverable = options.undeliverable;
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.#maxItems) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#scheduledFlush);
    }
  }

  /** Posts what has gathered now. Never throws: what cannot be posted goes to `undeliverable`. */
  flush(): void {
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    try {
      this.#post(items);
    } catch (error) {
      if (items.length === 1) this.#undeliverable(items[0] as T, error);
      else for (const item of items) this.#postAlone(item);
    }
  }

  #postAlone(item: T): void {
    try {
      this.#post([item]);
    } catch (error) {
      this.#undeliverable(item, error);
    }
  }

  readonly #scheduledFlush = () => {
    this.#scheduled = false;
    this.flush();
  };
}
