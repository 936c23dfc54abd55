/**
 * Runs one negotiation at a time. Changes asked for while one is in flight are coalesced into a
 * single next run, so a burst of publish/subscribe calls costs one more offer, not one each.
 */
export class NegotiationQueue {
  readonly #run: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #dirty = false;
  #running = false;
  #closed = false;
  #waiters: Array<() => void> = [];

  constructor(run: () => Promise<void>, onError: (error: unknown) => void) {
    this.#run = run;
    this.#onError = onError;
  }

  /** True while a run is in flight. */
  get busy(): boolean {
    return this.#running;
  }

  /** Asks for a run; resolves once a run that started after this call has ended (however it ended). */
  request(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#dirty = true;
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (!this.#running) void this.#drain();
    return done;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      // Each pass consumes the flag; only a request() made during the pass sets it again.
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        const waiters = this.#waiters.splice(0);
        try {
          await this.#run();
        } catch (error) {
          this.#onError(error);
        }
        for (const resolve of waiters) resolve();
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#waiters.splice(0)) resolve();
    }
  }

  /** Stops: the run in flight finishes, nothing more starts, every waiter resolves. */
  close(): void {
    this.#closed = true;
    if (!this.#running) for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
