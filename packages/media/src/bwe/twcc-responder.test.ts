import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRtcp } from '../rtcp.ts';
import type { RtcpTwcc } from '../twcc.ts';
import { TwccResponder } from './twcc-responder.ts';

function parse(buffers: Buffer[]): RtcpTwcc[] {
  return buffers.map((b) => {
    const { packets } = parseRtcp(b);
    expect(packets).toHaveLength(1);
    return packets[0] as RtcpTwcc;
  });
}

/** What a sender reconstructs: per sequence number, the arrival time in ms (reference × 64 + running deltas). */
function arrivals(feedback: RtcpTwcc): Map<number, number | undefined> {
  const out = new Map<number, number | undefined>();
  let atMs = feedback.referenceTime * 64;
  for (const p of feedback.packets) {
    if (p.deltaUs !== undefined) atMs += p.deltaUs / 1000;
    out.set(p.sequenceNumber, p.deltaUs === undefined ? undefined : atMs);
  }
  return out;
}

describe('TwccResponder (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)', () => {
  it('round-trips arrival times within 250 µs, with losses, reordering and the 16-bit wrap', () => {
    const responder = new TwccResponder({ senderSsrc: 0x1234, now: () => 0 });
    const sent = [65530, 65531, 65533, 65532, 65534, 0, 1, 4, 5];
    const times = [1000.1, 1003.37, 1010.9, 1012.5, 1080.0, 1080.25, 1081.1, 1081.9, 1200.6];
    sent.forEach((seq, i) => responder.onPacket(seq, times[i] as number, 0xaabbccdd));
    const [fb, ...rest] = parse(responder.takeFeedback());
    expect(rest).toHaveLength(0);
    expect(fb).toMatchObject({ senderSsrc: 0x1234, mediaSsrc: 0xaabbccdd, baseSequenceNumber: 65530, feedbackPacketCount: 0 });
    expect(fb?.referenceTime).toBe(Math.floor(1000.1 / 64));
    const got = arrivals(fb as RtcpTwcc);
    expect([...got.keys()]).toEqual([65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5]);
    for (const missing of [65535, 2, 3]) expect(got.get(missing)).toBeUndefined();
    sent.forEach((seq, i) => expect(Math.abs((got.get(seq) as number) - (times[i] as number))).toBeLessThanOrEqual(0.25));
    // 65533 arrived before 65532 but is reported after it: a negative (2-byte) delta; 1200.6 − 1081.9 > 63.75 ms.
    const deltas = new Map(fb?.packets.map((p) => [p.sequenceNumber, p.deltaUs]));
    expect(deltas.get(65533)).toBeLessThan(0);
    expect(deltas.get(5)).toBeGreaterThan(63_750);
  });

  it('holds the property for arbitrary arrival patterns, over several feedback rounds', () => {
    const arrival = fc.record({ gap: fc.integer({ min: 1, max: 3 }), dtMs: fc.double({ min: -30, max: 200, noNaN: true }) });
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.array(arrival, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }), (start, rounds) => {
      const responder = new TwccResponder({ senderSsrc: 1 });
      let seq = start;
      let t = 5000;
      const expected = new Map<number, number>();
      const reported = new Map<number, number | undefined>();
      let next: number | undefined;
      for (const round of rounds) {
        for (const a of round) {
          seq = (seq + a.gap) & 0xffff;
          t = Math.max(0, t + a.dtMs);
          responder.onPacket(seq, t, 9);
          expected.set(seq, t);
        }
        for (const fb of parse(responder.takeFeedback())) {
          // Contiguous across packets and rounds: each base follows the previous run's end.
          if (next !== undefined) expect(fb.baseSequenceNumber).toBe(next);
          next = (fb.baseSequenceNumber + fb.packets.length) & 0xffff;
          for (const [s, at] of arrivals(fb)) reported.set(s, at);
        }
      }
      for (const [s, at] of expected) expect(Math.abs((reported.get(s) as number) - at)).toBeLessThanOrEqual(0.25);
      for (const [s, at] of reported) if (!expected.has(s)) expect(at).toBeUndefined();
    }), { numRuns: 200 });
  });

  it('counts feedback packets modulo 256', () => {
    const responder = new TwccResponder({ senderSsrc: 1 });
    const counts: number[] = [];
    for (let i = 0; i < 258; i++) {
      responder.onPacket(i, i * 10, 5);
      counts.push(...parse(responder.takeFeedback()).map((f) => f.feedbackPacketCount));
    }
    expect(counts.slice(0, 3)).toEqual([0, 1, 2]);
    expect(counts.slice(254)).toEqual([254, 255, 0, 1]);
  });

  it('returns nothing when nothing new arrived, and ignores duplicates and late packets', () => {
    const responder = new TwccResponder({ senderSsrc: 1 });
    expect(responder.takeFeedback()).toEqual([]);
    responder.onPacket(10, 100, 5);
    responder.onPacket(11, 101, 5);
    responder.onPacket(11, 150, 5); // duplicate: the first arrival stands
    const [first] = parse(responder.takeFeedback());
    expect(first?.packets.map((p) => p.sequenceNumber)).toEqual([10, 11]);
    expect(arrivals(first as RtcpTwcc).get(11)).toBeCloseTo(101, 0);
    responder.onPacket(9, 200, 5); // before the last reported base: late
    responder.onPacket(11, 200, 5); // already reported
    expect(responder.takeFeedback()).toEqual([]);
    responder.onPacket(14, 210, 5);
    const [second] = parse(responder.takeFeedback());
    expect(second?.baseSequenceNumber).toBe(12);
    expect(second?.packets.map((p) => p.deltaUs !== undefined)).toEqual([false, false, true]);
  });

  it('ends the packet and starts a new one when a delta does not fit 16 bits of 250 µs', () => {
    const responder = new TwccResponder({ senderSsrc: 1 });
    responder.onPacket(1, 1000, 5);
    responder.onPacket(2, 1000 + 9000, 5); // 9 s later: 36000 ticks > 32767
    responder.onPacket(3, 1000 + 9001, 5);
    const fbs = parse(responder.takeFeedback());
    expect(fbs.map((f) => [f.baseSequenceNumber, f.packets.length, f.feedbackPacketCount])).toEqual([[1, 1, 0], [2, 2, 1]]);
    expect(fbs[1]?.referenceTime).toBe(Math.floor(10_000 / 64));
    expect(arrivals(fbs[1] as RtcpTwcc).get(3)).toBeCloseTo(10_001, 3);
  });

  it('splits at maxPacketsPerFeedback, giving a run of losses its neighbour reference time', () => {
    const responder = new TwccResponder({ senderSsrc: 1, maxPacketsPerFeedback: 4 });
    responder.onPacket(0, 640, 5);
    responder.onPacket(9, 800, 5); // 1–8 lost: 0–3 | 4–7 (all lost) | 8–9
    const fbs = parse(responder.takeFeedback());
    expect(fbs.map((f) => f.baseSequenceNumber)).toEqual([0, 4, 8]);
    expect(fbs.map((f) => f.packets.length)).toEqual([4, 4, 2]);
    expect(fbs.map((f) => f.referenceTime)).toEqual([10, 10, 12]);
    expect(fbs[1]?.packets.every((p) => p.deltaUs === undefined)).toBe(true);
    expect(arrivals(fbs[2] as RtcpTwcc).get(9)).toBe(800);
  });

  it('starts afresh on a jump of 30000 instead of reporting 30000 losses', () => {
    const responder = new TwccResponder({ senderSsrc: 1 });
    responder.onPacket(100, 10, 5);
    parse(responder.takeFeedback());
    responder.onPacket(30_100, 20, 5);
    expect(responder.pendingCount).toBe(1);
    const [fb] = parse(responder.takeFeedback());
    expect(fb?.baseSequenceNumber).toBe(30_100);
    expect(fb?.packets).toHaveLength(1);
    // And the same before any feedback, or when the jump is backwards (a restarted sender).
    responder.onPacket(30_101, 30, 5);
    responder.onPacket(101, 31, 5);
    responder.onPacket(102, 32, 5);
    const [restarted] = parse(responder.takeFeedback());
    expect(restarted?.packets.map((p) => p.sequenceNumber)).toEqual([101, 102]);
  });

  it('keeps pending entries bounded under hostile sequence numbers', () => {
    const responder = new TwccResponder({ senderSsrc: 1, maxPendingSpan: 1000 });
    for (let i = 0; i < 5000; i++) {
      responder.onPacket((i * 7919) & 0xffff, i, 5);
      expect(responder.pendingCount).toBeLessThanOrEqual(1000);
    }
    const total = parse(responder.takeFeedback()).reduce((n, f) => n + f.packets.length, 0);
    expect(total).toBeLessThanOrEqual(1000);
  });

  it('says when feedback is due: 50 ms since the last one, or 100 packets pending', () => {
    let now = 0;
    const responder = new TwccResponder({ senderSsrc: 1, now: () => now });
    expect(responder.feedbackDue()).toBe(false);
    responder.onPacket(0, 0, 5);
    expect(responder.feedbackDue()).toBe(true); // never sent one
    responder.takeFeedback();
    now = 10;
    responder.onPacket(1, 10, 5);
    expect(responder.feedbackDue()).toBe(false);
    responder.onPacket(100, 11, 5);
    expect(responder.feedbackDue()).toBe(true);
    responder.takeFeedback();
    responder.onPacket(101, 12, 5);
    now = 60;
    expect(responder.feedbackDue()).toBe(true);
  });

  it('rejects a sender SSRC that is not 32-bit', () => {
    expect(() => new TwccResponder({ senderSsrc: -1 })).toThrow(RangeError);
    expect(() => new TwccResponder({ senderSsrc: 2 ** 32 })).toThrow(RangeError);
  });
});
