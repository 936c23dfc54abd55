import { assertFrame } from './frame.ts';

export interface JitterQueueOptions {
  /** Frames queued before an input starts playing (and again when it resumes after going idle). Default 2. */
  startDepth?: number;
  /** Most frames held; beyond it the oldest is dropped. Default 20 (200 ms). */
  capacity?: number;
  /** After this many ticks in a row without a frame the input is idle (it stopped): no longer a glitch per tick. Default 20. */
  idleAfterTicks?: number;
  /** Ticks per adaptation window. Default 100 (1 s). */
  windowTicks?: number;
  /** Windows in a row without an underrun before the safety margin shrinks by a frame. Default 30. */
  relaxAfterWindows?: number;
}

export interface JitterQueueStats {
  /** Frames received. */
  pushed: number;
  /** Oldest frames dropped because the queue was full (input ran far ahead of the clock). */
  dropped: number;
  /** Frames dropped to take back latency the input no longer needs (at the end of a window without underruns). */
  trimmed: number;
  /** Ticks with no frame while the input was playing: each pads every other listener's mix. */
  underruns: number;
  /** Frames queued now. */
  depth: number;
  /** Frames of slack the queue keeps above the one each tick takes (grows with underruns, relaxes when quiet). */
  margin: number;
}

/**
 * The slack between an input's arrivals and the mixer's 10 ms clock, sized by what the input needs. The
 * engine hands decoded audio to the event loop in bursts (two frames in one turn, then none), so a queue that
 * plays the moment a frame exists runs dry whenever a burst comes late. This one starts playing after
 * `startDepth` frames; every underrun delays the input by a frame (the late frame still plays), and the
 * margin grows by one so that delay is kept. A window whose shallowest moment held more frames than the
 * margin gives that latency back (after a stall the queue is full of frames nobody needs any more); a long
 * quiet spell shrinks the margin again. An input that stops sending goes idle instead of counting an underrun
 * every tick, and buffers afresh when it comes back.
 */
export class JitterQueue {
  readonly capacity: number;
  readonly #startDepth: number;
  readonly #idleAfter: number;
  readonly #windowTicks: number;
  readonly #relaxAfter: number;
  readonly #frames: Int16Array[] = [];
  #playing = false;
  #missed = 0;
  #underran = false;
  #margin: number;
  #windowTick = 0;
  #windowMin = Infinity;
  #windowUnderruns = 0;
  #quietWindows = 0;
  readonly #stats = { pushed: 0, dropped: 0, trimmed: 0, underruns: 0 };

  constructor(options: JitterQueueOptions = {}) {
    this.#startDepth = options.startDepth ?? 2;
    this.capacity = options.capacity ?? 20;
    this.#idleAfter = options.idleAfterTicks ?? 20;
    this.#windowTicks = options.windowTicks ?? 100;
    this.#relaxAfter = options.relaxAfterWindows ?? 30;
    for (const [name, v, min] of [['startDepth', this.#startDepth, 1], ['capacity', this.capacity, this.#startDepth], ['idleAfterTicks', this.#idleAfter, 1], ['windowTicks', this.#windowTicks, 1], ['relaxAfterWindows', this.#relaxAfter, 1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
    }
    this.#margin = this.#startDepth - 1;
  }

  get length(): number {
    return this.#frames.length;
  }

  /** Whether the input is playing (started and not idle). */
  get playing(): boolean {
    return this.#playing;
  }

  /** Whether the last `pop` was an underrun. */
  get underran(): boolean {
    return this.#underran;
  }

  get stats(): Readonly<JitterQueueStats> {
    return { ...this.#stats, depth: this.#frames.length, margin: this.#margin };
  }

  push(frame: Int16Array): void {
    assertFrame(frame);
    this.#stats.pushed++;
    if (this.#frames.length >= this.capacity) {
      this.#frames.shift();
      this.#stats.dropped++;
    }
    this.#frames.push(frame);
  }

  /** The frame for this tick, or undefined: buffering or idle (silence, not a glitch), or an underrun (`underran`). */
  pop(): Int16Array | undefined {
    this.#underran = false;
    if (!this.#playing) {
      if (this.#frames.length < this.#startDepth) return undefined;
      this.#playing = true;
      this.#resetWindow();
    }
    this.#windowMin = Math.min(this.#windowMin, this.#frames.length);
    const frame = this.#frames.shift();
    if (frame === undefined) {
      this.#underran = true;
      this.#stats.underruns++;
      this.#windowUnderruns++;
      this.#margin = Math.min(this.#margin + 1, this.capacity >> 1);
      if (++this.#missed >= this.#idleAfter) {
        this.#playing = false;
        this.#margin = this.#startDepth - 1;
      }
    } else {
      this.#missed = 0;
    }
    if (++this.#windowTick >= this.#windowTicks) this.#endWindow();
    return frame;
  }

  #endWindow(): void {
    // The shallowest the queue got before a tick took its frame: frames beyond the one needed and the margin were never used.
    if (this.#windowUnderruns === 0) {
      const excess = Math.min(this.#windowMin - 1 - this.#margin, this.#frames.length);
      if (excess > 0) {
        this.#frames.splice(0, excess);
        this.#stats.trimmed += excess;
      }
    }
    this.#quietWindows = this.#windowUnderruns === 0 ? this.#quietWindows + 1 : 0;
    if (this.#quietWindows >= this.#relaxAfter && this.#margin > this.#startDepth - 1) {
      this.#margin--;
      this.#quietWindows = 0;
    }
    this.#resetWindow();
  }

  #resetWindow(): void {
    this.#windowTick = 0;
    this.#windowMin = Infinity;
    this.#windowUnderruns = 0;
  }
}
