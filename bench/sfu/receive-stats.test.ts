import { describe, expect, it } from 'vitest';
import { BUCKETS, BUCKET_NS, DelayHistogram, ReceiveStats } from './receive-stats.ts';

const trailer = (seq: number, sentNs: bigint, track = 1) => ({ publisher: 0, track, key: false, seq, sentNs });

describe('ReceiveStats', () => {
  it('counts only packets sent inside the window, and their delays', () => {
    const r = new ReceiveStats();
    r.setWindow(1000n, 2000n);
    r.onPacket(trailer(1, 999n), 5000n); // before the window
    r.onPacket(trailer(2, 1000n), 1000n + 30_000n);
    r.onPacket(trailer(3, 2000n), 2000n + 50_000n);
    r.onPacket(trailer(4, 2001n), 9000n); // after
    const s = r.snapshot();
    expect(s.received).toEqual({ '0/1': 2 });
    expect(s.delay.total).toBe(2);
    expect(s.delay.maxNs).toBe(50_000);
  });

  it('treats a repeated or older sequence as a duplicate, not a delivery', () => {
    const r = new ReceiveStats();
    r.setWindow(0n, 10_000n);
    r.onPacket(trailer(5, 10n), 20n);
    r.onPacket(trailer(5, 10n), 20n);
    r.onPacket(trailer(4, 10n), 20n);
    expect(r.snapshot()).toMatchObject({ received: { '0/1': 1 }, duplicates: 2 });
  });

  it('resets the window counters on a new window but keeps sequence state', () => {
    const r = new ReceiveStats();
    r.setWindow(0n, 100n);
    r.onPacket(trailer(1, 50n), 60n);
    r.onForeign();
    r.setWindow(100n, 200n);
    r.onPacket(trailer(1, 150n), 160n);
    expect(r.snapshot()).toMatchObject({ received: { '0/1': 0 }, duplicates: 1, foreign: 0 });
  });
});

describe('DelayHistogram', () => {
  it('gives nearest-rank percentiles at bucket upper edges', () => {
    const h = new DelayHistogram();
    for (let i = 0; i < 99; i++) h.add(5_000); // bucket 0
    h.add(1_234_567); // bucket 123
    expect(h.percentileMs(50)).toBeCloseTo(BUCKET_NS / 1e6, 9);
    expect(h.percentileMs(99)).toBeCloseTo(BUCKET_NS / 1e6, 9);
    expect(h.percentileMs(100)).toBeCloseTo((124 * BUCKET_NS) / 1e6, 9);
    expect(new DelayHistogram().percentileMs(50)).toBeNaN();
  });

  it('clamps negative and huge delays into the first and last bucket', () => {
    const h = new DelayHistogram();
    h.add(-5);
    h.add(1e12);
    expect(h.counts[0]).toBe(1);
    expect(h.counts[BUCKETS - 1]).toBe(1);
  });

  it('merges, and survives the sparse IPC form', () => {
    const a = new DelayHistogram();
    const b = new DelayHistogram();
    a.add(15_000);
    b.add(15_000);
    b.add(2_000_000);
    a.merge(DelayHistogram.fromSparse(b.toSparse(), b.maxNs));
    expect(a.total).toBe(3);
    expect(a.toSparse()).toEqual([[1, 2], [200, 1]]);
    expect(a.maxNs).toBe(2_000_000);
    expect(() => DelayHistogram.fromSparse([[BUCKETS, 1]])).toThrow(RangeError);
  });
});
