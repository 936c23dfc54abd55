import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SequenceRewriter, addSeq, addTimestamp, isNewerSeq, isNewerTimestamp, seqDiff, timestampDiff } from './seq.ts';

describe('16-bit sequence arithmetic (RFC 3550 §5.1, RFC 1982)', () => {
  it('measures distances across the wrap', () => {
    expect(seqDiff(1, 65535)).toBe(2);
    expect(seqDiff(65535, 1)).toBe(-2);
    expect(seqDiff(0, 0)).toBe(0);
    expect(seqDiff(0x8000, 0)).toBe(0x8000);
    expect(addSeq(65535, 1)).toBe(0);
    expect(addSeq(0, -1)).toBe(65535);
  });

  it('orders around the wrap and breaks the half-space tie antisymmetrically', () => {
    expect(isNewerSeq(0, 65535)).toBe(true);
    expect(isNewerSeq(65535, 0)).toBe(false);
    expect(isNewerSeq(5, 5)).toBe(false);
    expect(isNewerSeq(0x8000, 0)).toBe(true);
    expect(isNewerSeq(0, 0x8000)).toBe(false);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (a, b) => {
      if (a !== b) expect(isNewerSeq(a, b)).toBe(!isNewerSeq(b, a));
      expect(addSeq(b, seqDiff(a, b))).toBe(a);
    }));
  });

  it('does the same for 32-bit timestamps', () => {
    expect(timestampDiff(10, 0xffff_fff0)).toBe(26);
    expect(isNewerTimestamp(10, 0xffff_fff0)).toBe(true);
    expect(isNewerTimestamp(0xffff_fff0, 10)).toBe(false);
    expect(addTimestamp(0xffff_ffff, 2)).toBe(1);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff }), (a, b) => {
      if (a !== b) expect(isNewerTimestamp(a, b)).toBe(!isNewerTimestamp(b, a));
      expect(addTimestamp(b, timestampDiff(a, b))).toBe(a);
    }));
  });
});

describe('SequenceRewriter', () => {
  it('starts the output at the initial values and keeps one source continuous across its own wrap', () => {
    const r = new SequenceRewriter({ initialSequenceNumber: 65534, initialTimestamp: 1000 });
    expect(r.rewrite(0xa, 100, 50_000)).toEqual({ sequenceNumber: 65534, timestamp: 1000 });
    expect(r.rewrite(0xa, 101, 53_000)).toEqual({ sequenceNumber: 65535, timestamp: 4000 });
    expect(r.rewrite(0xa, 102, 56_000)).toEqual({ sequenceNumber: 0, timestamp: 7000 });
    expect(r.ssrc).toBe(0xa);
  });

  it('re-anchors on a source switch: output sequence +1, timestamp + gap, no collision with the old source', () => {
    const r = new SequenceRewriter({ initialSequenceNumber: 10, initialTimestamp: 0xffff_ff00 });
    r.rewrite(1, 500, 0);
    r.rewrite(1, 501, 3000); // out 11, ts 0xffff_ff00 + 3000 wraps
    const switched = r.rewrite(2, 40_000, 123_456_789, 3000);
    expect(switched).toEqual({ sequenceNumber: 12, timestamp: addTimestamp(0xffff_ff00, 6000) });
    expect(r.rewrite(2, 40_001, 123_459_789)).toEqual({ sequenceNumber: 13, timestamp: addTimestamp(0xffff_ff00, 9000) });
    // A reordered packet of the new source from before the switch point would reuse 11: dropped.
    expect(r.rewrite(2, 39_999, 123_453_789)).toBeUndefined();
    // Reordering after the switch point keeps its relative place.
    expect(r.rewrite(2, 40_003, 0)?.sequenceNumber).toBe(15);
    expect(r.rewrite(2, 40_002, 0)?.sequenceNumber).toBe(14);
  });

  it('switching back and forth never reuses an output sequence number while moving forward', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 40 }), (plan) => {
      const r = new SequenceRewriter();
      const seqs = [1000, 30_000, 65_000];
      const seen = new Set<number>();
      for (const [src, n] of plan) {
        for (let i = 0; i < n; i++) {
          const out = r.rewrite(src, seqs[src] as number, 0);
          seqs[src] = addSeq(seqs[src] as number, 1);
          expect(out).toBeDefined();
          expect(seen.has(out!.sequenceNumber)).toBe(false);
          seen.add(out!.sequenceNumber);
        }
      }
      expect(seen.size).toBeLessThan(0x8000);
    }));
  });

  it('keeps accepting a long stream: the reorder floor slides so it never wraps in front of the stream', () => {
    const r = new SequenceRewriter();
    let last = -1;
    let breaks = 0;
    for (let i = 0; i < 200_000; i++) {
      const out = r.rewrite(7, i & 0xffff, 0);
      if (!out || (last >= 0 && out.sequenceNumber !== addSeq(last, 1))) breaks++;
      last = out?.sequenceNumber ?? last;
    }
    expect(breaks).toBe(0);
    // Far-too-late packets (more than 2^14 behind) are refused.
    expect(r.rewrite(7, addSeq(199_999 & 0xffff, -0x5000), 0)).toBeUndefined();
  });
});
