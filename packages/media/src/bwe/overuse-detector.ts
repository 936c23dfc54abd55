/**
 * The over-use detector with its adaptive threshold (draft-ietf-rmcat-gcc-02 §5.4): compares the filter output m(i)
 * against a threshold γ(i) that follows |m(i)| — up quickly, down slowly — so that the delay-based controller is not
 * starved by concurrent loss-based flows (TCP) that keep the queue standing.
 */

export type BandwidthUsage = 'normal' | 'overusing' | 'underusing';

export interface OveruseDetectorOptions {
  /** γ(0), ms. */
  initialThreshold?: number;
  /** Gain while |m| exceeds γ (the threshold grows). */
  kUp?: number;
  /** Gain while |m| is below γ (the threshold shrinks). */
  kDown?: number;
}

/**
 * §5.4 uses K_u = 0.01 and K_d = 0.00018 for its Kalman filter's output; the trendline's scaled slope moves faster,
 * so, like the trendline estimators deployed in browsers, we adapt with K_u = 0.0087 and K_d = 0.039.
 */
const DEFAULT_K_UP = 0.0087;
const DEFAULT_K_DOWN = 0.039;
const DEFAULT_THRESHOLD = 12.5;
/** §5.4: γ is clamped to [6, 600] ms. */
const MIN_THRESHOLD = 6;
const MAX_THRESHOLD = 600;
/** §5.4: a sample more than 15 ms past γ is a spike (a route change, a paused sender) and does not move γ. */
const SPIKE_MS = 15;
/** §5.4 overuse_time_th: m must stay above γ this long before over-use is signalled. */
const OVERUSE_TIME_MS = 10;
/** The threshold update's time step is capped, so that a long silence does not swing γ in one go. */
const MAX_UPDATE_STEP_MS = 100;

export class OveruseDetector {
  readonly #kUp: number;
  readonly #kDown: number;
  #threshold: number;
  #state: BandwidthUsage = 'normal';
  #overuseMs: number | undefined;
  #overuseCount = 0;
  #previousTrend = 0;
  #lastUpdateMs: number | undefined;

  constructor(options: OveruseDetectorOptions = {}) {
    this.#threshold = options.initialThreshold ?? DEFAULT_THRESHOLD;
    this.#kUp = options.kUp ?? DEFAULT_K_UP;
    this.#kDown = options.kDown ?? DEFAULT_K_DOWN;
  }

  get state(): BandwidthUsage {
    return this.#state;
  }

  get threshold(): number {
    return this.#threshold;
  }

  /**
   * Feeds m(i) at `nowMs` (the arrival clock), `sampleDeltaMs` after the previous sample; `samples` is how many
   * deltas the filter has seen (no verdict before two).
   */
  detect(trend: number, sampleDeltaMs: number, nowMs: number, samples: number): BandwidthUsage {
    if (samples < 2) return this.#state;
    if (trend > this.#threshold) {
      // Over-use is declared only when it lasts and m is not already falling: a single late group is noise.
      this.#overuseMs = this.#overuseMs === undefined ? sampleDeltaMs / 2 : this.#overuseMs + sampleDeltaMs;
      this.#overuseCount++;
      if (this.#overuseMs > OVERUSE_TIME_MS && this.#overuseCount > 1 && trend >= this.#previousTrend) {
        this.#overuseMs = undefined;
        this.#overuseCount = 0;
        this.#state = 'overusing';
      }
    } else if (trend < -this.#threshold) {
      this.#overuseMs = undefined;
      this.#overuseCount = 0;
      this.#state = 'underusing';
    } else {
      this.#overuseMs = undefined;
      this.#overuseCount = 0;
      this.#state = 'normal';
    }
    this.#previousTrend = trend;
    this.#adaptThreshold(trend, nowMs);
    return this.#state;
  }

  /** §5.4: γ(i) = γ(i−1) + Δt · K(i) · (|m(i)| − γ(i−1)). */
  #adaptThreshold(trend: number, nowMs: number): void {
    const last = this.#lastUpdateMs ?? nowMs;
    this.#lastUpdateMs = nowMs;
    const magnitude = Math.abs(trend);
    if (magnitude > this.#threshold + SPIKE_MS) return;
    const k = magnitude < this.#threshold ? this.#kDown : this.#kUp;
    const stepMs = Math.min(Math.max(nowMs - last, 0), MAX_UPDATE_STEP_MS);
    this.#threshold += k * (magnitude - this.#threshold) * stepMs;
    this.#threshold = Math.min(MAX_THRESHOLD, Math.max(MIN_THRESHOLD, this.#threshold));
  }

  reset(): void {
    this.#state = 'normal';
    this.#overuseMs = undefined;
    this.#overuseCount = 0;
    this.#previousTrend = 0;
  }
}
