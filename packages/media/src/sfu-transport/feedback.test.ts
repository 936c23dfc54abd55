import { describe, expect, it } from 'vitest';
import { ntpFromUnixMs, ntpMiddle32 } from '../bwe/ntp.ts';
import { serializeRtcp } from '../rtcp.ts';
import type { Consumer } from '../sfu/consumer.ts';
import { MediaFeedback } from './feedback.ts';

/** An RR from the subscriber about our stream 0xabc: our SR it last got was sent `srAgoMs` ago, and it held it `holdMs`. */
function receiverReport(srAgoMs: number, holdMs: number): Buffer {
  const { ntpSeconds, ntpFraction } = ntpFromUnixMs(performance.timeOrigin + performance.now() - srAgoMs);
  const block = { ssrc: 0xabc, fractionLost: 0, cumulativeLost: 0, highestSequence: 1, jitter: 0, lastSr: ntpMiddle32(ntpSeconds, ntpFraction), delaySinceLastSr: Math.round((holdMs / 1000) * 65536) };
  return serializeRtcp([{ type: 'rr', ssrc: 0x5, reports: [block] }]);
}

describe('MediaFeedback round trip', () => {
  const consumerOf = (ssrc: number) => (ssrc === 0xabc ? ({} as Consumer) : undefined);

  it('measures the round trip from receiver reports on our sender reports (RFC 3550 §6.4.1), smoothed', () => {
    const feedback = new MediaFeedback({ send: () => {} });
    expect(feedback.rttMs).toBeUndefined();
    feedback.onRtcp(receiverReport(250, 50), consumerOf);
    expect(feedback.rttMs).toBeGreaterThan(195);
    expect(feedback.rttMs).toBeLessThan(210);
    feedback.onRtcp(receiverReport(1050, 50), consumerOf);
    // 7/8 of 200 + 1/8 of 1000.
    expect(feedback.rttMs).toBeGreaterThan(295);
    expect(feedback.rttMs).toBeLessThan(310);
  });

  it('ignores blocks without a sender report, about streams not ours, or with a round trip that cannot be', () => {
    const feedback = new MediaFeedback({ send: () => {} });
    const none = serializeRtcp([{ type: 'rr', ssrc: 0x5, reports: [{ ssrc: 0xabc, fractionLost: 0, cumulativeLost: 0, highestSequence: 1, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }] }]);
    feedback.onRtcp(none, consumerOf);
    feedback.onRtcp(receiverReport(250, 50), () => undefined);
    // Held longer than it has existed: negative, wraps to ~18 hours.
    feedback.onRtcp(receiverReport(100, 500), consumerOf);
    expect(feedback.rttMs).toBeUndefined();
  });
});
