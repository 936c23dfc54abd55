/** The active speaker, from each input's loudness (RMS of its decoded frames). */

export interface SpeakerDetectorOptions {
  /** RMS (Int16 units) below which an input is silent: ≈ −40 dBFS by default. */
  thresholdRms?: number;
  /** A speaker who falls silent stays the speaker this long (a pause between sentences keeps the layout). */
  holdMs?: number;
  /** A challenger must be this many times louder than the current speaker to take over. */
  switchRatio?: number;
}

/** RMS of a block of Int16 samples. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/**
 * Accumulates energy per input between `update` calls (every few hundred ms) and names the loudest
 * input above the threshold, with a hold time and hysteresis so that the layout does not flap.
 */
export class SpeakerDetector {
  readonly #threshold: number;
  readonly #holdMs: number;
  readonly #ratio: number;
  readonly #energy = new Map<string, { sum: number; count: number }>();
  #levels = new Map<string, number>();
  #speaker: string | undefined;
  #lastHeardMs = 0;

  constructor(options: SpeakerDetectorOptions = {}) {
    this.#threshold = options.thresholdRms ?? 330;
    this.#holdMs = options.holdMs ?? 2000;
    this.#ratio = options.switchRatio ?? 1.5;
  }

  get speaker(): string | undefined {
    return this.#speaker;
  }

  /** The RMS of each input over the last window. */
  get levels(): ReadonlyMap<string, number> {
    return this.#levels;
  }

  /** One decoded frame of an input. */
  push(id: string, samples: Int16Array): void {
    const e = this.#energy.get(id) ?? { sum: 0, count: 0 };
    const level = rms(samples);
    e.sum += level * level;
    e.count++;
    this.#energy.set(id, e);
  }

  remove(id: string): void {
    this.#energy.delete(id);
    this.#levels.delete(id);
    if (this.#speaker === id) this.#speaker = undefined;
  }

  /** Closes a window; returns the speaker (undefined: nobody spoke within the hold time). */
  update(nowMs: number): string | undefined {
    const levels = new Map<string, number>();
    for (const [id, e] of this.#energy) levels.set(id, e.count > 0 ? Math.sqrt(e.sum / e.count) : 0);
    for (const e of this.#energy.values()) {
      e.sum = 0;
      e.count = 0;
    }
    this.#levels = levels;
    let loudest: string | undefined;
    let loudestLevel = this.#threshold;
    for (const [id, level] of levels) {
      if (level < loudestLevel) continue;
      loudest = id;
      loudestLevel = level;
    }
    const current = this.#speaker !== undefined ? (levels.get(this.#speaker) ?? 0) : 0;
    if (current >= this.#threshold) this.#lastHeardMs = nowMs;
    if (loudest !== undefined && loudest !== this.#speaker && (current < this.#threshold || loudestLevel >= current * this.#ratio)) {
      this.#speaker = loudest;
      this.#lastHeardMs = nowMs;
    } else if (this.#speaker !== undefined && current < this.#threshold && nowMs - this.#lastHeardMs > this.#holdMs) {
      this.#speaker = undefined;
    }
    return this.#speaker;
  }
}
