/**
 * The loss-based controller (draft-ietf-rmcat-gcc-02 §6), as a bound on the delay-based rate: above 10 % loss
 * the rate is cut in proportion, As = As · (1 − 0.5 p); between 2 % and 10 % it is held where it was; below 2 % the
 * bound is lifted and the delay-based controller's increase applies (§6 grows As by 5 % per report; ours grows by
 * the delay controller's 8 %/s, evaluated on every feedback rather than once per report).
 *
 * Loss is counted over an interval of at least `intervalMs` and `minPackets` packets, so that a handful of random
 * losses in a short window is not mistaken for congestion.
 */

export interface LossBasedControlOptions {
  intervalMs?: number;
  minPackets?: number;
  /** Evaluate early once this many packets are counted, however short the interval. */
  maxPackets?: number;
}

/** §6 thresholds. */
const HIGH_LOSS = 0.1;
const LOW_LOSS = 0.02;
const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_MIN_PACKETS = 20;
const DEFAULT_MAX_PACKETS = 500;

export class LossBasedControl {
  readonly #intervalMs: number;
  readonly #minPackets: number;
  readonly #maxPackets: number;
  #lost = 0;
  #total = 0;
  #windowStartMs: number | undefined;
  #lossRate = 0;
  #bound = Number.POSITIVE_INFINITY;

  constructor(options: LossBasedControlOptions = {}) {
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#minPackets = options.minPackets ?? DEFAULT_MIN_PACKETS;
    this.#maxPackets = options.maxPackets ?? DEFAULT_MAX_PACKETS;
  }

  /** The loss fraction of the last evaluated interval. */
  get lossRate(): number {
    return this.#lossRate;
  }

  /** The current upper bound, bps (Infinity while loss is low). */
  get bound(): number {
    return this.#bound;
  }

  /**
   * Counts `lost` of `total` packets reported at `nowMs`; when an interval is complete, re-evaluates the bound
   * from `currentBps` (the estimate in force). Returns true when it did.
   */
  addPackets(lost: number, total: number, currentBps: number, nowMs: number): boolean {
    this.#windowStartMs ??= nowMs;
    this.#lost += lost;
    this.#total += total;
    const long = nowMs - this.#windowStartMs >= this.#intervalMs && this.#total >= this.#minPackets;
    if (!long && this.#total < this.#maxPackets) return false;
    this.apply(this.#lost / this.#total, currentBps);
    this.#lost = 0;
    this.#total = 0;
    this.#windowStartMs = nowMs;
    return true;
  }

  /** Applies a loss fraction measured elsewhere (an RTCP receiver report) against `currentBps`. */
  apply(lossRate: number, currentBps: number): void {
    const p = Math.min(1, Math.max(0, lossRate));
    this.#lossRate = p;
    if (p > HIGH_LOSS) this.#bound = currentBps * (1 - 0.5 * p);
    else if (p >= LOW_LOSS) this.#bound = currentBps;
    else this.#bound = Number.POSITIVE_INFINITY;
  }
}
