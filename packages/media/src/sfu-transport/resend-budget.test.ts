import { describe, expect, it } from 'vitest';
import { DEFAULT_RESEND_INTERVAL_MS, RESEND_SHARE, ResendBudget } from './resend-budget.ts';

describe('ResendBudget', () => {
  it('lets resends take RESEND_SHARE of the estimate, with half a second of it for a burst', () => {
    const budget = new ResendBudget({ estimate: () => 800_000, rttMs: () => undefined });
    // 0.5 × 800 kbit/s = 50 bytes/ms: a burst of 25,000 bytes, then 50 bytes per ms.
    expect(RESEND_SHARE).toBe(0.5);
    let taken = 0;
    while (budget.take(1000, 0)) taken++;
    expect(taken).toBe(25);
    expect(budget.take(1000, 10)).toBe(false);
    expect(budget.take(1000, 20)).toBe(true);
    // Over a second of NACK storm, about the share of the estimate goes out, not what was asked for.
    let bytes = 0;
    for (let t = 1000; t < 2000; t += 5) for (let i = 0; i < 10; i++) if (budget.take(1200, t)) bytes += 1200;
    expect(bytes * 8).toBeGreaterThan(0.4 * 800_000);
    expect(bytes * 8).toBeLessThan(1.0 * 800_000);
  });

  it('resends a packet at most once per round trip (clamped), or per 100 ms before the first report', () => {
    let rtt: number | undefined;
    const budget = new ResendBudget({ estimate: () => 1e6, rttMs: () => rtt });
    expect(budget.minIntervalMs).toBe(DEFAULT_RESEND_INTERVAL_MS);
    rtt = 1300;
    expect(budget.minIntervalMs).toBe(1000);
    rtt = 0.4;
    expect(budget.minIntervalMs).toBe(10);
    rtt = 42;
    expect(budget.minIntervalMs).toBe(42);
  });
});
