import { performance } from 'node:perf_hooks';

export interface TickClockOptions {
  periodMs?: number;
  /** A tick this much later than its deadline counts as late. */
  lateThresholdMs?: number;
  /**
   * After a stall, at most this many missed ticks are run back to back to catch up; beyond that
   * the clock skips ahead (the missed ticks are counted, not run), so a long stall does not become
   * a burst of stale frames.
   */
  maxCatchUpTicks?: number;
  /** The time source (ms); performance.now by default. */
  now?: () => number;
  /**
   * Run each tick after the event loop's pending I/O callbacks (in the check phase, via setImmediate)
   * instead of in the timer phase. A mixer wants this: audio decoded on the engine's thread reaches
   * JavaScript as I/O callbacks, and after a stall they are all pending when the timer fires; ticks run
   * first would find the queues empty and pad, then the frames would pile up behind them.
   */
  afterIo?: boolean;
}

export interface TickClockStats {
  ticks: number;
  lateTicks: number;
  skippedTicks: number;
  maxLateMs: number;
}

/** Called with the tick's index and how late it runs (ms after its deadline). */
export type TickHandler = (tick: number, lateMs: number) => void;

/**
 * A periodic clock on setTimeout that does not drift: tick n is due at start + n·period, and each
 * timer is armed for the time left to the next deadline, so timer slack never accumulates. Late
 * ticks (event-loop lag) are counted, and missed ones are caught up to a bound.
 */
export class TickClock {
  readonly periodMs: number;
  readonly #lateThresholdMs: number;
  readonly #maxCatchUp: number;
  readonly #now: () => number;
  readonly #afterIo: boolean;
  #startMs = 0;
  #immediate: NodeJS.Immediate | undefined;
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #handler: TickHandler | undefined;
  readonly #stats: TickClockStats = { ticks: 0, lateTicks: 0, skippedTicks: 0, maxLateMs: 0 };

  constructor(options: TickClockOptions = {}) {
    this.periodMs = options.periodMs ?? 10;
    this.#lateThresholdMs = options.lateThresholdMs ?? 5;
    this.#maxCatchUp = options.maxCatchUpTicks ?? 5;
    this.#now = options.now ?? (() => performance.now());
    this.#afterIo = options.afterIo ?? false;
    if (!(this.periodMs > 0)) throw new RangeError(`periodMs must be positive, got ${this.periodMs}`);
  }

  get running(): boolean {
    return this.#handler !== undefined;
  }

  get stats(): Readonly<TickClockStats> {
    return { ...this.#stats };
  }

  start(handler: TickHandler): void {
    if (this.#handler) throw new Error('TickClock already started');
    this.#handler = handler;
    this.#startMs = this.#now();
    this.#next = 1;
    this.#arm();
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#handler = undefined;
  }

  #arm(): void {
    const deadline = this.#startMs + this.#next * this.periodMs;
    const fire = this.#afterIo ? () => void (this.#immediate = setImmediate(() => this.#fire())) : () => this.#fire();
    this.#timer = setTimeout(fire, Math.max(0, deadline - this.#now()));
  }

  #fire(): void {
    const now = this.#now();
    let due = Math.floor((now - this.#startMs) / this.periodMs); // the last tick whose deadline has passed
    if (due - this.#next >= this.#maxCatchUp) {
      const skip = due - this.#next - this.#maxCatchUp + 1;
      this.#stats.skippedTicks += skip;
      this.#next += skip;
    }
    due = Math.max(due, this.#next);
    try {
      while (this.#next <= due && this.#handler) {
        const lateMs = now - (this.#startMs + this.#next * this.periodMs);
        this.#stats.ticks++;
        if (lateMs > this.#lateThresholdMs) this.#stats.lateTicks++;
        if (lateMs > this.#stats.maxLateMs) this.#stats.maxLateMs = lateMs;
        const tick = this.#next++;
        this.#handler(tick, Math.max(0, lateMs));
      }
    } finally {
      // A throwing handler surfaces as an uncaught error but does not stop the clock.
      if (this.#handler) this.#arm();
    }
  }
}
