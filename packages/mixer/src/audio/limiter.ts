import { INT16_MAX, SAMPLE_RATE_HZ } from './frame.ts';

export interface LimiterOptions {
  /** Output never exceeds this magnitude; samples below it pass unchanged when no gain reduction is held. */
  thresholdLinear?: number;
  /** How long the gain takes to recover after a peak (time constant). Long enough not to pump within a pitch period. */
  releaseMs?: number;
}

/**
 * A look-ahead-free peak limiter for one listener's mix. The envelope follows peaks instantly
 * (attack within the sample, so the output can never overshoot the threshold) and decays
 * exponentially (slow release, so the gain is smooth across a waveform's cycles and does not
 * distort a loud steady mix). Gain = threshold / envelope while the envelope is above the
 * threshold, 1 otherwise: a single voice below the threshold is passed bit-exact.
 */
export class Limiter {
  readonly #threshold: number;
  readonly #releaseCoef: number;
  #envelope = 0;
  #minGain = 1;

  constructor(options: LimiterOptions = {}) {
    const threshold = options.thresholdLinear ?? Math.round(INT16_MAX * 0.89); // ≈ −1 dBFS
    const releaseMs = options.releaseMs ?? 150;
    if (!(threshold > 0 && threshold <= INT16_MAX)) throw new RangeError(`threshold must be in (0, ${INT16_MAX}], got ${threshold}`);
    if (!(releaseMs > 0)) throw new RangeError(`releaseMs must be positive, got ${releaseMs}`);
    this.#threshold = threshold;
    this.#releaseCoef = Math.exp(-1000 / (releaseMs * SAMPLE_RATE_HZ));
  }

  /** The smallest gain applied since the last call to `resetStats` (1 = never limited). */
  get minGain(): number {
    return this.#minGain;
  }

  resetStats(): void {
    this.#minGain = 1;
  }

  /** Limits `input` (a mix, any magnitude) into `out` as Int16. */
  process(input: Int32Array, out: Int16Array = new Int16Array(input.length)): Int16Array {
    const threshold = this.#threshold;
    const release = this.#releaseCoef;
    let env = this.#envelope;
    let minGain = this.#minGain;
    for (let i = 0; i < input.length; i++) {
      const x = input[i]!;
      const mag = x < 0 ? -x : x;
      env = mag > env ? mag : env * release;
      if (env <= threshold) {
        out[i] = x; // unity: exact for integer input within range
      } else {
        const gain = threshold / env;
        if (gain < minGain) minGain = gain;
        out[i] = Math.round(x * gain); // |x| ≤ env, so |x·gain| ≤ threshold
      }
    }
    this.#envelope = env;
    this.#minGain = minGain;
    return out;
  }
}
