export interface DownlinkPolicyOptions {
  /** The SFU's estimate of our downlink below which we take the MCU's composite. Default 300 kbit/s. */
  thresholdBps?: number;
  /** How long the estimate must stay below the threshold. Default 5 s. */
  belowForMs?: number;
  /**
   * How long we stay on the MCU at least before trying the SFU again, and then only once the MCU's downlink has
   * carried `thresholdBps` or more for `belowForMs` (the link has grown). Default 30 s; doubled after each failed try.
   */
  retryAfterMs?: number;
  /** The longest wait between tries; the SFU is tried after it whatever the MCU's downlink carries. Default 5 min. */
  maxRetryAfterMs?: number;
}

/**
 * When to take the MCU downlink on our own, and when to try the SFU streams again. Down: the SFU's estimate of our
 * downlink (`sfuBandwidth`, its send-side estimate from transport-wide feedback: what it can send us, whatever the
 * publishers send or our tiles need) stays under the threshold, and the SFU says the link is congested (even the
 * lowest layers of our tiles do not fit and packets are lost), for `belowForMs`. An estimate that is merely low is
 * not enough: a subscriber the SFU has little to send, or whose busy CPU looks like queueing delay, gets a low
 * estimate too, and the SFU copes with that by itself (lower layers). Up: on the MCU the SFU sends us
 * nothing, so nothing measures the SFU path; after `retryAfterMs` we try it again, and if the estimate falls again
 * soon after (a failed try), the next wait doubles. The MCU's own downlink tells whether a try can work: it is
 * made only once the composite and the mix arrive at `thresholdBps` or more (or after `maxRetryAfterMs` anyway).
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
  /** After a switch to the MCU that did not happen, no new one before this. */
  #notBefore = -Infinity;
  /** Since when the MCU's downlink has carried at least the threshold (undefined: it has not). */
  #mcuGoodSince: number | undefined;

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

  /** A new estimate from the SFU; `congested` undefined (an older server) counts as congested. */
  estimate(bps: number, now: number, congested?: boolean): void {
    if (bps < this.thresholdBps && congested !== false) this.#belowSince ??= now;
    else this.#belowSince = undefined;
  }

  /** What the MCU downlink (composite and mix) brought us over the last interval, bps. */
  mcuRate(bps: number, now: number): void {
    if (bps >= this.thresholdBps) this.#mcuGoodSince ??= now;
    else this.#mcuGoodSince = undefined;
  }

  /** What to do now: 'mcu' (take the downlink), 'sfu' (try the SFU again), or nothing. */
  decide(now: number, onMcu: boolean): 'mcu' | 'sfu' | undefined {
    if (onMcu) {
      if (this.#onMcuSince === undefined) return undefined;
      const onFor = now - this.#onMcuSince;
      const grown = this.#mcuGoodSince !== undefined && now - this.#mcuGoodSince >= this.#belowForMs;
      return (onFor >= this.#wait && grown) || onFor >= this.#maxRetryAfterMs ? 'sfu' : undefined;
    }
    if (this.#backOnSfuAt !== undefined && now - this.#backOnSfuAt > 2 * this.#wait) {
      // The last try held: the next bad spell starts from the short wait again.
      this.#wait = this.#retryAfterMs;
      this.#backOnSfuAt = undefined;
    }
    if (now < this.#notBefore) return undefined;
    return this.#belowSince !== undefined && now - this.#belowSince >= this.#belowForMs ? 'mcu' : undefined;
  }

  /** The switch to the MCU that `decide` asked for did not happen (the composite never came): wait before another, longer each time. */
  switchFailed(now: number): void {
    this.#onMcuSince = undefined;
    this.#belowSince = undefined;
    this.#notBefore = now + this.#wait;
    this.#wait = Math.min(this.#maxRetryAfterMs, this.#wait * 2);
  }

  /** The switch `decide` asked for (or a manual one) happened. */
  switched(to: 'mcu' | 'sfu', now: number): void {
    this.#belowSince = undefined;
    this.#mcuGoodSince = undefined;
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
