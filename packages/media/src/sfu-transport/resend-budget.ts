import type { ResendGuard } from '../sfu/consumer.ts';

/** Resends for NACKs take at most this share of the subscriber's estimate: more would deepen the loss of a full link. */
export const RESEND_SHARE = 0.5;
/** The budget holds at most this long's worth, for the NACKs of a burst of loss. */
const BURST_MS = 500;
/** Before the first receiver report gives a round trip. */
export const DEFAULT_RESEND_INTERVAL_MS = 100;
const MIN_RESEND_INTERVAL_MS = 10;
/** A packet lost again is resent after at most this long, however long the round trip. */
const MAX_RESEND_INTERVAL_MS = 1000;

/**
 * One subscriber's bound on resends (see ResendGuard): a token bucket filled at RESEND_SHARE of its downlink estimate,
 * and a packet resent at most once per round trip (from its receiver reports).
 */
export class ResendBudget implements ResendGuard {
  readonly #estimate: () => number;
  readonly #rtt: () => number | undefined;
  #bytes: number | undefined;
  #at = 0;

  constructor(options: { estimate: () => number; rttMs: () => number | undefined }) {
    this.#estimate = options.estimate;
    this.#rtt = options.rttMs;
  }

  get minIntervalMs(): number {
    const rtt = this.#rtt();
    return rtt === undefined ? DEFAULT_RESEND_INTERVAL_MS : Math.min(MAX_RESEND_INTERVAL_MS, Math.max(MIN_RESEND_INTERVAL_MS, rtt));
  }

  take(bytes: number, nowMs: number): boolean {
    const perMs = (RESEND_SHARE * this.#estimate()) / 8000;
    const most = perMs * BURST_MS;
    this.#bytes = Math.min(most, (this.#bytes ?? most) + Math.max(0, nowMs - this.#at) * perMs);
    this.#at = nowMs;
    if (this.#bytes < bytes) return false;
    this.#bytes -= bytes;
    return true;
  }
}
