import { assertFrame } from './frame.ts';

export interface JitterQueueStats {
  /** Frames received. */
  pushed: number;
  /** Oldest frames dropped because the queue was full (input ran ahead of the clock). */
  dropped: number;
  /** Ticks with no frame once the input had started: each is an audible glitch. */
  underruns: number;
}

/**
 * A few frames of slack between an input's arrival pattern and the mixer's 10 ms clock. Full: the
 * oldest frame goes, which bounds the latency it adds. Empty after it has started: an underrun.
 */
export class JitterQueue {
  readonly capacity: number;
  readonly #frames: Int16Array[] = [];
  #started = false;
  readonly #stats: JitterQueueStats = { pushed: 0, dropped: 0, underruns: 0 };

  constructor(capacity = 4) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get length(): number {
    return this.#frames.length;
  }

  get stats(): Readonly<JitterQueueStats> {
    return { ...this.#stats };
  }

  push(frame: Int16Array): void {
    assertFrame(frame);
    this.#started = true;
    this.#stats.pushed++;
    if (this.#frames.length >= this.capacity) {
      this.#frames.shift();
      this.#stats.dropped++;
    }
    this.#frames.push(frame);
  }

  /** The next frame, or undefined (an underrun once the input has started). */
  pop(): Int16Array | undefined {
    const frame = this.#frames.shift();
    if (frame === undefined && this.#started) this.#stats.underruns++;
    return frame;
  }
}
