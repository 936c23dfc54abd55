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

  it('tries the SFU again after retryAfterMs, and waits twice as long after a try that failed', () => {
    const policy = new DownlinkPolicy({ belowForMs: 1000, retryAfterMs: 10_000, maxRetryAfterMs: 25_000 });
    policy.switched('mcu', 0);
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
