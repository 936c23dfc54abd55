import { ALL_TEMPORAL } from './layer-policy.ts';

/** The ceilings a starved downlink climbs through after a cut: the base layer, TIDs 0–1, then all (Chrome's L1T3). */
const LEVELS = [0, 1, ALL_TEMPORAL] as const;
/** How long a ceiling must hold without congestion before the next one is tried, at first. */
export const FIRST_HOLD_MS = 3000;
export const MAX_HOLD_MS = 48_000;
/** Congestion this soon after a raise means the raise failed: the next try of that ceiling waits twice as long. */
export const FAIL_WINDOW_MS = 5000;
/** Everything shown fitting the estimate this long ends the episode: all temporal layers, first hold times. */
export const FIT_MS = 2000;

/**
 * The most temporal layers a starved downlink's tiles get (see chooseLayers): on a link that loses while even the
 * lowest layers do not fit, only the base temporal layer (a quarter of the frame rate for ~60 % of the bits), then,
 * after holding without loss, one more step at a time. A step that brings the loss back within `FAIL_WINDOW_MS` is
 * tried again only after twice the hold, so that a link that carries TIDs 0–1 and not more settles there instead
 * of swinging between 3.75 and 15 fps and losing voices at every swing (docs/benchmarks.md, session 9).
 */
export class TemporalCeiling {
  #level = LEVELS.length - 1;
  /** Per level, how long the level below must hold before this one is tried. */
  readonly #holdMs: number[] = LEVELS.map(() => FIRST_HOLD_MS);
  /** Since when the current ceiling has held without congestion (undefined: congested now, or not starved). */
  #calmSince: number | undefined;
  #raisedAt = Number.NEGATIVE_INFINITY;
  #fitSince: number | undefined;

  /** The highest temporal layer starved tiles may forward now (ALL_TEMPORAL: no ceiling). */
  get ceiling(): number {
    return LEVELS[this.#level] as number;
  }

  /** How long the next raise waits (for tests and logs). */
  get nextHoldMs(): number | undefined {
    return this.#level + 1 < LEVELS.length ? this.#holdMs[this.#level + 1] : undefined;
  }

  /** One layer choice's outcome: whether the downlink was starved, and whether it was congested (starved and losing). */
  update(now: number, starved: boolean, congested: boolean): void {
    if (!starved) {
      this.#calmSince = undefined;
      this.#fitSince ??= now;
      if (now - this.#fitSince >= FIT_MS) this.#reset();
      return;
    }
    this.#fitSince = undefined;
    if (congested) {
      if (this.#level > 0 && now - this.#raisedAt < FAIL_WINDOW_MS) {
        this.#holdMs[this.#level] = Math.min(MAX_HOLD_MS, (this.#holdMs[this.#level] as number) * 2);
      }
      this.#level = 0;
      this.#calmSince = undefined;
      this.#raisedAt = Number.NEGATIVE_INFINITY;
      return;
    }
    this.#calmSince ??= now;
    const next = this.#level + 1;
    if (next < LEVELS.length && now - this.#calmSince >= (this.#holdMs[next] as number)) {
      this.#level = next;
      this.#raisedAt = now;
      this.#calmSince = now;
    }
  }

  #reset(): void {
    this.#level = LEVELS.length - 1;
    this.#holdMs.fill(FIRST_HOLD_MS);
    this.#raisedAt = Number.NEGATIVE_INFINITY;
  }
}
