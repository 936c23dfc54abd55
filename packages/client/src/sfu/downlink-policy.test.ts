import { describe, expect, it } from 'vitest';
import { DownlinkPolicy } from './downlink-policy.ts';

describe('DownlinkPolicy', () => {
  it('takes the MCU only after the estimate stays under the threshold for belowForMs', () => {
    const policy = new DownlinkPolicy({ thresholdBps: 300_000, belowForMs: 5000 });
    policy.estimate(250_000, 0);
    expect(policy.decide(4999, false)).toBeUndefined();
    policy.estimate(400_000, 3000); // a good sample in between starts the wait again
    policy.estimate(200_000, 4000);
    expect(policy.decide(8999, false)).toBeUndefined();
    expect(policy.decide(9000, false)).toBe('mcu');
  });

  it('a low estimate the SFU does not call congested is not a reason to switch', () => {
    const policy = new DownlinkPolicy({ thresholdBps: 300_000, belowForMs: 5000 });
    policy.estimate(150_000, 0, false);
    expect(policy.decide(10_000, false)).toBeUndefined();
    policy.estimate(150_000, 10_000, true);
    expect(policy.decide(14_999, false)).toBeUndefined();
    policy.estimate(140_000, 12_000, false); // congestion over: the wait starts again
    policy.estimate(140_000, 13_000, true);
    expect(policy.decide(17_999, false)).toBeUndefined();
    expect(policy.decide(18_000, false)).toBe('mcu');
    // Congested but above the threshold: the link carries enough for the SFU's lowest layers of fewer tiles.
    const high = new DownlinkPolicy({ thresholdBps: 300_000, belowForMs: 0 });
    high.estimate(800_000, 0, true);
    expect(high.decide(1000, false)).toBeUndefined();
  });

  it('tries the SFU again after retryAfterMs once the MCU downlink carries the threshold, and waits twice as long after a try that failed', () => {
    const policy = new DownlinkPolicy({ belowForMs: 1000, retryAfterMs: 10_000, maxRetryAfterMs: 25_000 });
    policy.switched('mcu', 0);
    policy.mcuRate(500_000, 8000);
    expect(policy.decide(9999, true)).toBeUndefined();
    expect(policy.decide(10_000, true)).toBe('sfu');
    policy.switched('sfu', 10_000);
    policy.estimate(100_000, 11_000);
    expect(policy.decide(12_000, false)).toBe('mcu');
    policy.switched('mcu', 12_000);
    expect(policy.retryAfterMs).toBe(20_000);
    policy.switched('sfu', 32_000);
    policy.switched('mcu', 33_000);
    expect(policy.retryAfterMs).toBe(25_000); // capped
  });

  it('stays on the MCU while its downlink carries less than the threshold, until maxRetryAfterMs', () => {
    const policy = new DownlinkPolicy({ thresholdBps: 300_000, belowForMs: 1000, retryAfterMs: 10_000, maxRetryAfterMs: 60_000 });
    policy.switched('mcu', 0);
    policy.mcuRate(180_000, 9000);
    expect(policy.decide(30_000, true)).toBeUndefined();
    policy.mcuRate(400_000, 30_000);
    expect(policy.decide(30_500, true)).toBeUndefined(); // not for belowForMs yet
    policy.mcuRate(150_000, 31_000);
    expect(policy.decide(40_000, true)).toBeUndefined();
    expect(policy.decide(60_000, true)).toBe('sfu');
  });

  it('after a switch to the MCU that did not happen, waits retryAfterMs before the next, then twice as long', () => {
    const policy = new DownlinkPolicy({ belowForMs: 0, retryAfterMs: 10_000 });
    policy.switchFailed(0);
    policy.estimate(100_000, 1000, true);
    expect(policy.decide(9999, false)).toBeUndefined();
    expect(policy.decide(10_000, false)).toBe('mcu');
    policy.switchFailed(10_000);
    policy.estimate(100_000, 10_000, true);
    expect(policy.decide(29_999, false)).toBeUndefined();
    expect(policy.decide(30_000, false)).toBe('mcu');
  });

  it('forgets the back-off once a try held for a while', () => {
    const policy = new DownlinkPolicy({ belowForMs: 0, retryAfterMs: 1000 });
    policy.switched('mcu', 0);
    policy.switched('sfu', 1000);
    policy.switched('mcu', 1500);
    expect(policy.retryAfterMs).toBe(2000);
    policy.switched('sfu', 3500);
    expect(policy.decide(3500 + 4001, false)).toBeUndefined();
    expect(policy.retryAfterMs).toBe(1000);
  });

  it('rejects thresholds that are not positive (RangeError)', () => {
    expect(() => new DownlinkPolicy({ thresholdBps: 0 })).toThrow(RangeError);
    expect(() => new DownlinkPolicy({ retryAfterMs: 10_000, maxRetryAfterMs: 5000 })).toThrow(RangeError);
  });
});
