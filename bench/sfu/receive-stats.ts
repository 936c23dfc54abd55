/**
 * What a subscriber records: per stream (publisher, track) the packets received inside a measured window (by their
 * send time, so the window is exact whatever the delivery delay), duplicates or late packets, and one-way delays in
 * a mergeable histogram, so delays from several processes combine into one p50/p99.
 */
import type { Trailer } from './payload.ts';

/** 10 µs buckets up to 200 ms; slower packets land in the last bucket (and are counted as such). */
export const BUCKET_NS = 10_000;
export const BUCKETS = 20_000;

export class DelayHistogram {
  readonly counts: Uint32Array;
  total = 0;
  /** Largest delay seen, ns (exact, not bucketed). */
  maxNs = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(BUCKETS);
    if (counts) {
      if (counts.length !== BUCKETS) throw new RangeError(`a delay histogram has ${BUCKETS} buckets, got ${counts.length}`);
      this.counts.set(counts);
      for (let i = 0; i < BUCKETS; i++) this.total += this.counts[i] as number;
    }
  }

  add(delayNs: number): void {
    const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor(delayNs / BUCKET_NS)));
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.total++;
    if (delayNs > this.maxNs) this.maxNs = delayNs;
  }

  merge(other: DelayHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.total += other.total;
    this.maxNs = Math.max(this.maxNs, other.maxNs);
  }

  /** Nearest-rank percentile in milliseconds: the upper edge of the bucket holding that rank; NaN when empty. */
  percentileMs(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return ((i + 1) * BUCKET_NS) / 1e6;
    }
    return (BUCKETS * BUCKET_NS) / 1e6;
  }

  /** Sparse form for IPC: [bucket, count] pairs. */
  toSparse(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) out.push([i, this.counts[i] as number]);
    return out;
  }

  static fromSparse(pairs: ReadonlyArray<readonly [number, number]>, maxNs = 0): DelayHistogram {
    const h = new DelayHistogram();
    for (const [i, n] of pairs) {
      if (i < 0 || i >= BUCKETS) throw new RangeError(`bucket ${i} out of range`);
      h.counts[i] = (h.counts[i] as number) + n;
      h.total += n;
    }
    h.maxNs = maxNs;
    return h;
  }
}

/** Stream key of a trailer: one publisher's track. */
export const streamKey = (publisher: number, track: number): string => `${publisher}/${track}`;

interface StreamState {
  /** Highest bench seq seen; packets at or below it are duplicates or reordered. */
  highest: number;
  inWindow: number;
}

export interface ReceiveSnapshot {
  /** Packets per stream whose send time lies in the window. */
  received: Record<string, number>;
  duplicates: number;
  /** Packets carrying no trailer of ours (padding, probes). */
  foreign: number;
  delay: DelayHistogram;
}

/** One subscriber's (or one process's) counters. `window` bounds are monotonic-clock ns. */
export class ReceiveStats {
  readonly #streams = new Map<string, StreamState>();
  #from = 0n;
  #to = -1n;
  #delay = new DelayHistogram();
  duplicates = 0;
  foreign = 0;
  /** Every trailer-carrying packet since creation (not only in the window). */
  packets = 0;

  /** Starts counting packets sent in [fromNs, toNs]; resets the window's counters. */
  setWindow(fromNs: bigint, toNs: bigint): void {
    this.#from = fromNs;
    this.#to = toNs;
    this.#delay = new DelayHistogram();
    this.duplicates = 0;
    this.foreign = 0;
    for (const s of this.#streams.values()) s.inWindow = 0;
  }

  onForeign(): void {
    this.foreign++;
  }

  onPacket(t: Trailer, nowNs: bigint): void {
    this.packets++;
    const key = streamKey(t.publisher, t.track);
    let s = this.#streams.get(key);
    if (!s) this.#streams.set(key, (s = { highest: -1, inWindow: 0 }));
    if (t.seq <= s.highest) {
      this.duplicates++;
      return;
    }
    s.highest = t.seq;
    if (t.sentNs < this.#from || t.sentNs > this.#to) return;
    s.inWindow++;
    this.#delay.add(Number(nowNs - t.sentNs));
  }

  snapshot(): ReceiveSnapshot {
    const received: Record<string, number> = {};
    for (const [k, s] of this.#streams) received[k] = s.inWindow;
    return { received, duplicates: this.duplicates, foreign: this.foreign, delay: this.#delay };
  }
}
