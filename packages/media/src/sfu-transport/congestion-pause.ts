/** Loss to a subscriber at or above which a starved downlink counts as congested (GCC's "low loss" bound). */
export const CONGESTED_LOSS = 0.02;
/**
 * Loss that, sustained for `PAUSE_AFTER_MS` on a starved downlink, pauses the video that does not fit: the lowest
 * layers are then clearly more than the link carries (pushed into 200 kbit/s they lose ~40 %).
 */
export const PAUSE_LOSS = 0.25;
export const PAUSE_AFTER_MS = 2000;
/** The first pause lasts this long before the video is tried again; each pause soon after a try doubles it. */
export const FIRST_PAUSE_MS = 5000;
export const MAX_PAUSE_MS = 40_000;

/**
 * When a subscriber's downlink is starved (even the lowest layers of its tiles need more than the estimate; the SFU
 * keeps them going anyway, since a dip of the estimate is usually brief) and still loses `PAUSE_LOSS` for
 * `PAUSE_AFTER_MS`, the video that does not fit is paused (the tiles freeze). Pushing it on would lose the voices and
 * the signaling connection with it: seen, a minute without a notification on a 200 kbit/s link. The pause ends
 * when everything shown fits the estimate again, or after its time, to try (a link that fell may also have come
 * back, and the moment a link falls loses a lot by itself); a pause soon after a try lasts twice as long.
 */
export class CongestionPause {
  #lossySince: number | undefined;
  #pausedAt: number | undefined;
  #pauseMs = FIRST_PAUSE_MS;
  #resumedAt = Number.NEGATIVE_INFINITY;
  #starved = false;
  #lossRate = 0;

  /** Whether the video that does not fit is paused now. */
  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  /** How long the current (or next) pause lasts. */
  get pauseMs(): number {
    return this.#pauseMs;
  }

  /** The link is what limits: starved and losing, or paused for it. */
  get congested(): boolean {
    return this.#starved && (this.paused || this.#lossRate >= CONGESTED_LOSS);
  }

  /** One layer choice's outcome: whether it was starved, and the loss rate the estimator last measured. */
  update(now: number, starved: boolean, lossRate: number): void {
    this.#starved = starved;
    this.#lossRate = lossRate;
    if (this.#pausedAt !== undefined) {
      if (!starved || now - this.#pausedAt >= this.#pauseMs) {
        this.#pausedAt = undefined;
        this.#resumedAt = now;
        this.#lossySince = undefined;
      }
      return;
    }
    if (!starved || lossRate < PAUSE_LOSS) {
      this.#lossySince = undefined;
      return;
    }
    this.#lossySince ??= now;
    if (now - this.#lossySince < PAUSE_AFTER_MS) return;
    // Soon after the last pause ended: that try failed, so this pause is longer. Otherwise start short again.
    const soon = now - this.#resumedAt < this.#pauseMs + PAUSE_AFTER_MS + FIRST_PAUSE_MS;
    this.#pauseMs = soon ? Math.min(MAX_PAUSE_MS, this.#pauseMs * 2) : FIRST_PAUSE_MS;
    this.#pausedAt = now;
  }
}
