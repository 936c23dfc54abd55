/** Bytes per 100 ms bucket over a sliding one-second window: a bitrate without allocating per packet. */
const BUCKET_MS = 100;
const BUCKETS = 10;

export class RateMeter {
  readonly #bytes = new Float64Array(BUCKETS);
  /** Index (time / BUCKET_MS) of the newest bucket, or -1 before the first byte. */
  #newest = -1;

  add(bytes: number, now: number): void {
    this.#advance(now);
    this.#bytes[this.#newest % BUCKETS] = (this.#bytes[this.#newest % BUCKETS] as number) + bytes;
  }

  /** Bits per second over the last second (the current, partly filled bucket included). */
  bitrate(now: number): number {
    if (this.#newest < 0) return 0;
    this.#advance(now);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) sum += this.#bytes[i] as number;
    return (sum * 8 * 1000) / (BUCKETS * BUCKET_MS);
  }

  reset(): void {
    this.#bytes.fill(0);
    this.#newest = -1;
  }

  #advance(now: number): void {
    const index = Math.floor(now / BUCKET_MS);
    if (this.#newest < 0) {
      this.#newest = index;
      return;
    }
    if (index <= this.#newest) return; // a clock that stepped back keeps filling the newest bucket
    // Clear the buckets we skipped, at most the whole ring.
    const steps = Math.min(index - this.#newest, BUCKETS);
    for (let i = 1; i <= steps; i++) this.#bytes[(this.#newest + i) % BUCKETS] = 0;
    this.#newest = index;
  }
}
