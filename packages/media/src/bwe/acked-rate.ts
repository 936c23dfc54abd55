/**
 * The acknowledged bitrate R̂ of draft-ietf-rmcat-gcc-02 §5.5: bytes the receiver reported as arrived, over a
 * sliding window of arrival time (the receiver's clock, so queueing at the bottleneck is what it measures).
 */

const DEFAULT_WINDOW_MS = 1000;
/** No rate before this much arrival history: two packets a few ms apart say nothing about a bitrate. */
const MIN_SPAN_MS = 250;
/** Hard cap on remembered packets, whatever the window holds (bounded memory under hostile feedback). */
const MAX_ENTRIES = 20_000;

export class AckedBitrate {
  readonly #windowMs: number;
  #arrivals: number[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;
  #firstArrivalMs: number | undefined;
  #latestMs = Number.NEGATIVE_INFINITY;

  constructor(windowMs = DEFAULT_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records `size` bytes that arrived at `arrivalMs`. */
  add(arrivalMs: number, size: number): void {
    this.#firstArrivalMs ??= arrivalMs;
    this.#latestMs = Math.max(this.#latestMs, arrivalMs);
    this.#arrivals.push(arrivalMs);
    this.#sizes.push(size);
    this.#bytes += size;
    this.#evict();
  }

  /** Bits per second over the window ending at the latest arrival; undefined until enough history. */
  get bitrate(): number | undefined {
    if (this.#firstArrivalMs === undefined) return undefined;
    const span = Math.min(this.#windowMs, this.#latestMs - this.#firstArrivalMs);
    if (span < MIN_SPAN_MS) return undefined;
    let bytes = this.#bytes;
    // With less than a window of history, the first packet marks the start of the span and is not inside it.
    if (span < this.#windowMs && this.#arrivals[this.#head] === this.#firstArrivalMs) bytes -= this.#sizes[this.#head] ?? 0;
    return (bytes * 8 * 1000) / span;
  }

  reset(): void {
    this.#arrivals = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#firstArrivalMs = undefined;
    this.#latestMs = Number.NEGATIVE_INFINITY;
  }

  #evict(): void {
    const start = this.#latestMs - this.#windowMs;
    while (this.#head < this.#arrivals.length) {
      const arrival = this.#arrivals[this.#head] as number;
      if (arrival > start && this.#arrivals.length - this.#head <= MAX_ENTRIES) break;
      this.#bytes -= this.#sizes[this.#head] as number;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#arrivals.length) {
      this.#arrivals = this.#arrivals.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }
}
