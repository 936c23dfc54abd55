/**
 * What the sender actually sent over the last second, in 100 ms slots: O(1) per packet and no allocation (it runs for
 * every packet the SFU sends). Beside the estimate it tells whether the sender is application-limited (below).
 */

const SLOT_MS = 100;
const SLOTS = 10;

export class SendRate {
  readonly #bytes = new Float64Array(SLOTS);
  /** The newest slot written, as an absolute slot number (time / SLOT_MS). */
  #slot: number | undefined;
  #firstMs: number | undefined;

  /** `size` bytes sent at `nowMs`. */
  add(size: number, nowMs: number): void {
    this.#firstMs ??= nowMs;
    const slot = this.#advance(nowMs);
    this.#bytes[slot % SLOTS] = (this.#bytes[slot % SLOTS] as number) + size;
  }

  /** Bits per second over the second before `nowMs` (or since the first packet, when that is sooner). */
  bitrate(nowMs: number): number {
    if (this.#firstMs === undefined) return 0;
    this.#advance(nowMs);
    let bytes = 0;
    for (const b of this.#bytes) bytes += b;
    // The window is the full slots before the current one plus the current one's elapsed part.
    const spanMs = Math.min((SLOTS - 1) * SLOT_MS + (nowMs % SLOT_MS), nowMs - this.#firstMs);
    return spanMs <= 0 ? 0 : (bytes * 8 * 1000) / Math.max(spanMs, SLOT_MS);
  }

  #advance(nowMs: number): number {
    const slot = Math.max(0, Math.floor(nowMs / SLOT_MS));
    const from = this.#slot;
    if (from === undefined || slot - from >= SLOTS) this.#bytes.fill(0);
    else for (let s = from + 1; s <= slot; s++) this.#bytes[s % SLOTS] = 0;
    if (from === undefined || slot > from) this.#slot = slot;
    return Math.max(slot, this.#slot as number);
  }
}

/** libwebrtc's application-limited region (AlrDetector): sending under 65 % of the estimate enters it, over 80 % leaves. */
export const ALR_ENTER = 0.65;
export const ALR_LEAVE = 0.8;
