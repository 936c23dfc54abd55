import { describe, expect, it } from 'vitest';
import { SendRate } from './send-rate.ts';

describe('SendRate', () => {
  it('measures what was sent over the last second, forgetting older slots', () => {
    const rate = new SendRate();
    expect(rate.bitrate(0)).toBe(0);
    // 1000 bytes every 10 ms: 800 kbit/s.
    for (let t = 0; t < 3000; t += 10) rate.add(1000, t);
    expect(rate.bitrate(3000)).toBeCloseTo(800_000, -4);
    // Silence: after a second nothing is left.
    expect(rate.bitrate(3500)).toBeLessThan(500_000);
    expect(rate.bitrate(4100)).toBe(0);
    // A long gap clears every slot at once: one packet over the last 950 ms.
    rate.add(1000, 100_000);
    expect(rate.bitrate(100_050)).toBeCloseTo(8000 / 0.95, 3);
  });

  it('counts a young history over its own span, not a whole second', () => {
    const rate = new SendRate();
    for (let t = 1000; t < 1500; t += 10) rate.add(500, t);
    expect(rate.bitrate(1500)).toBeCloseTo(400_000, -4);
  });
});
