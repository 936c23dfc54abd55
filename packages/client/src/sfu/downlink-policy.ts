export interface DownlinkPolicyOptions {
  /** The SFU's estimate of our downlink below which we take the MCU's composite. Default 300 kbit/s. */
  thresholdBps?: number;
  /** How long the estimate must stay below the threshold. Default 5 s. */
  belowForMs?: number;
  /** How long we stay on the MCU before trying the SFU again. Default 30 s; doubled after each failed try. */
  retryAfterMs?: number;
  /** The longest wait between tries. Default 5 min. */
  maxRetryAfterMs?: number;
}

/**
 * When to take the MCU downlink on our own, and when to try the SFU streams again. Down: the SFU's estimate of our
 * downlink (`sfuBandwidth`, its send-side estimate from transport-wide feedback: what it can send us, whatever the
 * publishers send or our tiles need) stays under the threshold for `belowForMs`. Up: on the MCU the SFU sends us
 * nothing, so nothing measures the SFU path; after `retryAfterMs` we try it again, and if the estimate falls again
 * soon after (a failed try), the next wait doubles: the hysteresis is in time, not in a second threshold.
 */
export class DownlinkPolicy {
  readonly thresholdBps: number;
  readonly #belowForMs: number;
  readonly #retryAfterMs: number;
  readonly #maxRetryAfterMs: number;
  #belowSince: number | undefined;
  #wait: number;
  #onMcuSince: number | undefined;
  #backOnSfuAt: number | undefined;

  constructor(options: DownlinkPolicyOptions = {}) {
    this.thresholdBps = options.thresholdBps ?? 300_000;
    this.#belowForMs = options.belowForMs ?? 5000;
    this.#retryAfterMs = options.retryAfterMs ?? 30_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
    if (!(this.thresholdBps > 0 && this.#belowForMs >= 0 && this.#retryAfterMs > 0 && this.#maxRetryAfterMs >= this.#retryAfterMs)) {
      throw new RangeError('low-bandwidth thresholds must be positive, and maxRetryAfterMs at least retryAfterMs');
    }
    this.#wait = this.#retryAfterMs;
  }

  /** How long the next stay on the MCU lasts before a try. */
  get retryAfterMs(): number {
    return this.#wait;
  }

  /** A new estimate from the SFU. */
  estimate(bps: number, now: number): void {
    if (bps < this.thresholdBps) this.#belowSince ??= now;
    else this.#belowSince = undefined;
  }

  /** What to do now: 'mcu' (take the downlink), 'sfu' (try the SFU again), or nothing. */
  decide(now: number, onMcu: boolean): 'mcu' | 'sfu' | undefined {
    if (onMcu) return this.#onMcuSince !== undefined && now - this.#onMcuSince >= this.#wait ? 'sfu' : undefined;
    if (this.#backOnSfuAt !== undefined && now - this.#backOnSfuAt > 2 * this.#wait) {
      // The last try held: the next bad spell starts from the short wait again.
      this.#wait = this.#retryAfterMs;
      this.#backOnSfuAt = undefined;
    }
    return this.#belowSince !== undefined && now - this.#belowSince >= this.#belowForMs ? 'mcu' : undefined;
  }

  /** The switch `decide` asked for (or a manual one) happened. */
  switched(to: 'mcu' | 'sfu', now: number): void {
    this.#belowSince = undefined;
    if (to === 'mcu') {
      // Down again soon after a try: that try failed, wait longer next time.
      if (this.#backOnSfuAt !== undefined && now - this.#backOnSfuAt <= 2 * this.#wait) this.#wait = Math.min(this.#maxRetryAfterMs, this.#wait * 2);
      this.#onMcuSince = now;
      this.#backOnSfuAt = undefined;
    } else {
      this.#onMcuSince = undefined;
      this.#backOnSfuAt = now;
    }
  }
}
