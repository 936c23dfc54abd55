import type { BandwidthUsage } from './overuse-detector.ts';

/**
 * The delay-based rate controller (draft-ietf-rmcat-gcc-02 §5.5): a three-state machine driven by the over-use
 * signal. Increase is multiplicative, η = 1.08 per second; decrease sets the rate to β = 0.85 of the delivered
 * (acknowledged) rate R̂; and, since an SFU sends only what it forwards, the rate never runs ahead of what was
 * delivered by more than 2.5 × R̂ + 300 kbit/s. (§5.5 bounds it by 1.5 × R̂, for a sender that probes with padding;
 * an SFU that does not probe needs room for the next simulcast layer, e.g. 180p at ~150 kbit/s to 360p at
 * ~500 kbit/s, or a subscriber could never be moved up: the layer choice then finds out by trying.)
 *
 * Until the first decrease (from delay or loss) the rate grows by 25 % a second, not 8 %: a slow start, as senders
 * that probe get from their probes. Without it a subscriber with two 360p tiles waited ~18 s on a clean loopback
 * link for their layer; the acknowledged-rate bound above still keeps the start from running far ahead of delivery.
 */

export type RateControlState = 'hold' | 'increase' | 'decrease';

export interface AimdRateControlOptions {
  initialBitrate: number;
  minBitrate: number;
  maxBitrate: number;
}

/** §5.5 η: growth per second while increasing. */
const INCREASE_PER_SECOND = 1.08;
/** Growth per second before the first decrease. */
const SLOW_START_INCREASE_PER_SECOND = 1.25;
/** §5.5 β. */
const DECREASE_FACTOR = 0.85;
/** Headroom over the acknowledged rate. */
const ACKED_HEADROOM_FACTOR = 2.5;
const ACKED_HEADROOM_BPS = 300_000;
/** One multiplicative step never spans more than a second, however long since the last update. */
const MAX_INCREASE_STEP_MS = 1000;
/**
 * A reduction needs a round trip to show in the feedback; without an RTT estimate we wait this long before
 * reducing again, unless delivery has fallen below half the rate.
 */
const REDUCE_INTERVAL_MS = 200;

export class AimdRateControl {
  readonly #min: number;
  readonly #max: number;
  #rate: number;
  #state: RateControlState = 'hold';
  #lastUpdateMs: number | undefined;
  #lastDecreaseMs = Number.NEGATIVE_INFINITY;
  /** No decrease yet: the link's size is unknown. */
  #slowStart = true;

  constructor(options: AimdRateControlOptions) {
    this.#min = options.minBitrate;
    this.#max = options.maxBitrate;
    this.#rate = this.#clamp(options.initialBitrate);
  }

  get bitrate(): number {
    return this.#rate;
  }

  get state(): RateControlState {
    return this.#state;
  }

  /** Lowers the rate to `bitrateBps` (another controller's verdict), so that increases resume from there. */
  limitTo(bitrateBps: number): void {
    if (bitrateBps < this.#rate) this.#slowStart = false;
    this.#rate = this.#clamp(Math.min(this.#rate, bitrateBps));
  }

  /**
   * Applies one over-use signal at `nowMs` (local clock) given the acknowledged bitrate; returns the new rate.
   * `applicationLimited`: the sender sends well below the rate (an SFU forwarding less than the estimate allows), so
   * what was acknowledged says what we sent, not what the link carries: an over-use then backs off from the rate
   * itself (libwebrtc's ALR-limited backoff), not down to 0.85 × that throughput. Cutting to it had a subscriber
   * whose tiles were thinned for a moment fall from 280 to 113 kbit/s on a 300 kbit/s link, and climb back at 8 % a
   * second (docs/benchmarks.md, session 9). `deliveredBps`: what a decrease takes for the link's rate when higher than
   * `ackedBps` (a shorter window, over which the queue was busy); the headroom bound stays on `ackedBps`.
   */
  update(usage: BandwidthUsage, ackedBps: number | undefined, nowMs: number, context: { applicationLimited?: boolean; deliveredBps?: number } = {}): number {
    const applicationLimited = context.applicationLimited ?? false;
    const elapsedMs = this.#lastUpdateMs === undefined ? 0 : Math.max(0, nowMs - this.#lastUpdateMs);
    this.#lastUpdateMs = nowMs;
    this.#state = nextState(this.#state, usage);
    switch (this.#state) {
      case 'increase': {
        const step = Math.min(elapsedMs, MAX_INCREASE_STEP_MS) / 1000;
        this.#rate *= (this.#slowStart ? SLOW_START_INCREASE_PER_SECOND : INCREASE_PER_SECOND) ** step;
        break;
      }
      case 'decrease': {
        const measured = ackedBps === undefined ? undefined : Math.max(ackedBps, context.deliveredBps ?? 0);
        const delivered = applicationLimited ? this.#rate : (measured ?? this.#rate);
        const collapsed = !applicationLimited && measured !== undefined && measured < this.#rate / 2;
        this.#slowStart = false;
        if (nowMs - this.#lastDecreaseMs >= REDUCE_INTERVAL_MS || collapsed) {
          this.#rate = Math.min(this.#rate, DECREASE_FACTOR * delivered);
          this.#lastDecreaseMs = nowMs;
        }
        // §5.5: after a decrease the controller holds until the detector says normal again.
        this.#state = 'hold';
        break;
      }
      case 'hold':
        break;
    }
    if (ackedBps !== undefined) this.#rate = Math.min(this.#rate, ACKED_HEADROOM_FACTOR * ackedBps + ACKED_HEADROOM_BPS);
    this.#rate = this.#clamp(this.#rate);
    return this.#rate;
  }

  #clamp(bps: number): number {
    return Math.min(this.#max, Math.max(this.#min, bps));
  }
}

/** §5.5 Figure 2: over-use → decrease; normal → increase (from hold) or hold (from decrease); under-use → hold. */
export function nextState(state: RateControlState, usage: BandwidthUsage): RateControlState {
  switch (usage) {
    case 'overusing':
      return 'decrease';
    case 'underusing':
      return 'hold';
    case 'normal':
      return state === 'decrease' ? 'hold' : 'increase';
  }
}
