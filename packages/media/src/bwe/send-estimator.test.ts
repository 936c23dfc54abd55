import { describe, expect, it } from 'vitest';
import type { RtcpTwcc } from '../twcc.ts';
import { estimatesBetween, simulateLink } from './link-sim.test-helper.ts';
import { SendSideEstimator } from './send-estimator.ts';

describe('SendSideEstimator on a simulated bottleneck (draft-ietf-rmcat-gcc-02)', () => {
  it('falls below 350 kbit/s within 3 s when sending 1.2 Mbit/s into 300 kbit/s', () => {
    const result = simulateLink({ durationMs: 3000, capacityBps: () => 300_000, sendRateBps: () => 1_200_000 });
    expect(result.samples.at(-1)?.estimate).toBeLessThan(350_000);
    // The first cut comes from the delay signal, at 0.85 × what was delivered, well before 3 s.
    const firstBelow = result.samples.find((s) => s.estimate < 350_000);
    expect(firstBelow?.tMs).toBeLessThan(1500);
    expect(result.estimator.ackedBitrate).toBeGreaterThan(250_000);
    expect(result.estimator.ackedBitrate).toBeLessThan(350_000);
  });

  it('does so from the delay signal alone when a deep buffer loses nothing', () => {
    const result = simulateLink({ durationMs: 3000, capacityBps: () => 300_000, sendRateBps: () => 1_200_000, queueLimitMs: 60_000 });
    expect(result.dropped).toBe(0);
    expect(result.samples.at(-1)?.estimate).toBeLessThan(350_000);
    expect(result.estimator.stats.lossBasedBitrate).toBe(Number.POSITIVE_INFINITY);
  });

  it('stays at or above 1.2 Mbit/s when sending 1.5 Mbit/s through 5 Mbit/s (jittery, across the sequence wrap)', () => {
    const result = simulateLink({
      durationMs: 20_000, capacityBps: () => 5_000_000, sendRateBps: () => 1_500_000, jitterMs: 2, firstSeq: 65_000,
    });
    expect(Math.min(...estimatesBetween(result, 4000, 20_000))).toBeGreaterThanOrEqual(1_200_000);
    // Never more than 2.5 × delivered + 300 kbit/s: room for the next simulcast layer, no more.
    for (const s of result.samples) if (s.acked !== undefined) expect(s.estimate).toBeLessThanOrEqual(2.5 * s.acked + 300_000 + 1);
    expect(result.estimator.stats.state).toBe('normal');
    // Every feedback packet but the one still in flight reached the estimator, none with an unknown sequence number.
    expect(result.estimator.stats.feedbacks).toBeGreaterThanOrEqual(result.feedbackPackets - 1);
    expect(result.estimator.stats.packetsReported).toBeGreaterThan(result.sent - 20);
  });

  it('does not fall below 70 % of the sending rate under 5 % random loss', () => {
    for (const seed of [1, 2, 3]) {
      const result = simulateLink({ durationMs: 20_000, capacityBps: () => 20_000_000, sendRateBps: () => 1_200_000, lossRate: 0.05, seed });
      expect(Math.min(...estimatesBetween(result, 0, 20_000))).toBeGreaterThanOrEqual(0.7 * 1_200_000);
      const { lossRate } = result.estimator.stats;
      expect(lossRate).toBeGreaterThan(0.01);
      expect(lossRate).toBeLessThan(0.12);
    }
  });

  it('cuts in proportion when loss is heavy even without queueing (loss-based half)', () => {
    const result = simulateLink({ durationMs: 8000, capacityBps: () => 20_000_000, sendRateBps: () => 1_000_000, lossRate: 0.3, seed: 4 });
    // About × 0.85 per one-second interval (§6: 1 − 0.5 p).
    expect(result.samples.at(-1)?.estimate).toBeLessThan(500_000);
    expect(result.samples.at(-1)?.estimate).toBeGreaterThan(150_000);
    expect(result.estimator.stats.lossRate).toBeGreaterThan(0.2);
  });

  it('tracks a 500 kbit/s link with an adaptive sender, then recovers upward when capacity rises', () => {
    const result = simulateLink({
      durationMs: 25_000, capacityBps: (t) => (t < 10_000 ? 500_000 : 5_000_000), sendRateBps: (_t, estimate) => estimate,
    });
    const congested = estimatesBetween(result, 5000, 10_000);
    expect(Math.max(...congested)).toBeLessThan(700_000);
    expect(Math.min(...congested)).toBeGreaterThan(300_000);
    const atRise = result.samples.find((s) => s.tMs === 10_000)?.estimate as number;
    const after = result.samples.at(-1)?.estimate as number;
    expect(after).toBeGreaterThan(2 * atRise);
    expect(after).toBeGreaterThan(1_000_000);
  });

  it('a burst while sending well below the estimate backs off from the estimate, not down to what was sent (application-limited)', () => {
    // 200 kbit/s into a 300 kbit/s link, then 3 s at 90 kbit/s (an SFU thinning its tiles) with a key-frame-like burst.
    // Cutting to 0.85 × the acknowledged rate then (libwebrtc without its ALR backoff) took the estimate to 139 kbit/s.
    const result = simulateLink({
      durationMs: 16_000, capacityBps: () => 300_000, queueLimitMs: 1300,
      sendRateBps: (t) => (t < 10_000 || t >= 13_000 ? 200_000 : t >= 11_000 && t < 11_150 ? 1_500_000 : 90_000),
    });
    expect(Math.min(...estimatesBetween(result, 11_000, 16_000))).toBeGreaterThan(300_000);
  });

  it('still falls at once when the link falls under an application-limited sender (far less arrives than is sent)', () => {
    const result = simulateLink({ durationMs: 14_000, capacityBps: (t) => (t < 10_000 ? 2_000_000 : 200_000), sendRateBps: () => 400_000 });
    expect(result.samples.find((s) => s.tMs === 10_000)?.estimate).toBeGreaterThan(1_000_000);
    const below = result.samples.find((s) => s.tMs > 10_000 && s.estimate < 300_000);
    expect(below?.tMs).toBeLessThanOrEqual(11_000);
  });

  it('is deterministic given its inputs', () => {
    const run = () => simulateLink({ durationMs: 8000, capacityBps: (t) => (t < 4000 ? 800_000 : 3_000_000), sendRateBps: (_t, e) => e, jitterMs: 3, seed: 9 });
    expect(run().samples).toEqual(run().samples);
  });
});

describe('SendSideEstimator bookkeeping', () => {
  const twcc = (base: number, referenceTime: number, feedbackPacketCount: number, deltasUs: (number | undefined)[]): RtcpTwcc => ({
    type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: base, referenceTime, feedbackPacketCount,
    packets: deltasUs.map((deltaUs, i) => ({ sequenceNumber: (base + i) & 0xffff, ...(deltaUs === undefined ? {} : { deltaUs }) })),
  });

  it('computes the acknowledged bitrate from reported arrivals, and counts lost feedback', () => {
    const estimator = new SendSideEstimator();
    expect(estimator.ackedBitrate).toBeUndefined();
    // 100 packets of 1000 bytes, 10 ms apart: 800 kbit/s.
    for (let i = 0; i < 100; i++) estimator.onPacketSent(i, 1000, i * 10);
    estimator.onFeedback(twcc(0, 0, 7, Array.from({ length: 50 }, (_, i) => (i === 0 ? 0 : 10_000))), 600);
    estimator.onFeedback(twcc(50, 7, 9, Array.from({ length: 50 }, (_, i) => (i === 0 ? 52_000 : 10_000))), 1100);
    // Arrivals span 0–990 ms: 99 intervals of 10 ms carrying 99 packets after the first.
    expect(estimator.ackedBitrate).toBeCloseTo(800_000, -3);
    expect(estimator.stats).toMatchObject({ feedbacks: 2, lostFeedbacks: 1 });
  });

  it('ignores feedback for packets it never sent or already counted', () => {
    const estimator = new SendSideEstimator();
    estimator.onPacketSent(5, 1000, 0);
    estimator.onFeedback(twcc(0, 0, 0, [undefined, undefined, undefined, undefined, undefined]), 10); // not ours
    estimator.onFeedback(twcc(5, 0, 1, [100]), 20);
    estimator.onFeedback(twcc(5, 0, 2, [undefined]), 30); // reported again: already counted as received
    expect(estimator.stats).toMatchObject({ packetsReported: 1, packetsLost: 0 });
  });

  it('uses receiver-report loss only while TWCC feedback is silent', () => {
    const estimator = new SendSideEstimator({ initialBitrate: 1_000_000 });
    estimator.onFeedback(twcc(0, 0, 0, []), 0);
    estimator.onReceiverReport(0.5, 500);
    expect(estimator.estimate).toBe(1_000_000);
    estimator.onReceiverReport(0.5, 2000);
    expect(estimator.estimate).toBe(750_000); // × (1 − 0.5 × 0.5), §6
    estimator.onReceiverReport(0.05, 3000);
    expect(estimator.estimate).toBe(750_000); // 2–10 %: hold
  });

  it('keeps its history bounded', () => {
    const estimator = new SendSideEstimator();
    for (let i = 0; i < 20_000; i++) estimator.onPacketSent(i & 0xffff, 1200, i);
    // Only the newest 5000 are remembered: feedback for older ones is unknown, so it counts nothing.
    estimator.onFeedback(twcc(100, 0, 0, [undefined, undefined]), 20_000);
    expect(estimator.stats.packetsReported).toBe(0);
    estimator.onFeedback(twcc(19_998, 0, 1, [undefined, undefined]), 20_000);
    expect(estimator.stats).toMatchObject({ packetsReported: 2, packetsLost: 2 });
  });

  it('rejects bitrate bounds that are not a range', () => {
    expect(() => new SendSideEstimator({ minBitrate: 0 })).toThrow(RangeError);
    expect(() => new SendSideEstimator({ minBitrate: 2_000_000, maxBitrate: 1_000_000 })).toThrow(RangeError);
  });
});
