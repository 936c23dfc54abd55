import { describe, expect, it } from 'vitest';
import { ALL_TEMPORAL } from './layer-policy.ts';
import { FAIL_WINDOW_MS, FIRST_HOLD_MS, FIT_MS, MAX_HOLD_MS, TemporalCeiling } from './temporal-ceiling.ts';

/** Feeds `update` every 250 ms (the layer choice's interval) from `from` to `to` with one state. */
function run(c: TemporalCeiling, from: number, to: number, starved: boolean, congested: boolean): number[] {
  const seen: number[] = [];
  for (let t = from; t < to; t += 250) {
    c.update(t, starved, congested);
    seen.push(c.ceiling);
  }
  return seen;
}

describe('TemporalCeiling', () => {
  it('has no ceiling on a link that never lost, starved or not', () => {
    const c = new TemporalCeiling();
    run(c, 0, 10_000, true, false);
    expect(c.ceiling).toBe(ALL_TEMPORAL);
    run(c, 10_000, 20_000, false, false);
    expect(c.ceiling).toBe(ALL_TEMPORAL);
  });

  it('cuts to the base layer on congestion, then climbs one step per hold without it', () => {
    const c = new TemporalCeiling();
    c.update(0, true, true);
    expect(c.ceiling).toBe(0);
    // Congested for a second more (the loss is measured per second): still the base layer, and the hold counts from its end.
    run(c, 250, 1250, true, true);
    run(c, 1250, 1250 + FIRST_HOLD_MS, true, false);
    expect(c.ceiling).toBe(0);
    c.update(1250 + FIRST_HOLD_MS, true, false);
    expect(c.ceiling).toBe(1);
    run(c, 1500 + FIRST_HOLD_MS, 1250 + 2 * FIRST_HOLD_MS, true, false);
    expect(c.ceiling).toBe(1);
    c.update(1250 + 2 * FIRST_HOLD_MS, true, false);
    expect(c.ceiling).toBe(ALL_TEMPORAL);
  });

  it('a step that brings the loss back within the fail window is tried again only after twice the hold, up to the cap', () => {
    const c = new TemporalCeiling();
    c.update(0, true, true);
    let t = 250;
    t += FIRST_HOLD_MS;
    run(c, 250, t + 250, true, false); // → 1
    expect(c.ceiling).toBe(1);
    const raisedAt = c.nextHoldMs;
    expect(raisedAt).toBe(FIRST_HOLD_MS);
    // Fails 1 s after the raise.
    c.update(t + 1000, true, true);
    expect(c.ceiling).toBe(0);
    expect(c.nextHoldMs).toBe(2 * FIRST_HOLD_MS);
    const seen = run(c, t + 1250, t + 1250 + 2 * FIRST_HOLD_MS + 250, true, false);
    expect(seen.indexOf(1)).toBe((2 * FIRST_HOLD_MS) / 250);
    // Failing at once again and again: the hold doubles each time, never beyond MAX_HOLD_MS.
    const holds: number[] = [];
    for (let i = 0; i < 8; i++) {
      t += 100_000;
      c.update(t, true, true);
      holds.push(c.nextHoldMs as number);
      for (let u = t + 250; c.ceiling === 0; u += 250) {
        c.update(u, true, false);
        t = u;
      }
      c.update(t + 250, true, true);
    }
    expect(holds).toEqual([6000, 12_000, 24_000, 48_000, 48_000, 48_000, 48_000, 48_000].map((ms) => Math.min(ms, MAX_HOLD_MS)));
  });

  it('congestion long after a raise is not that raise failing: the hold stays', () => {
    const c = new TemporalCeiling();
    c.update(0, true, true);
    run(c, 250, 250 + FIRST_HOLD_MS + 250, true, false);
    expect(c.ceiling).toBe(1);
    const at = 250 + FIRST_HOLD_MS + FAIL_WINDOW_MS + 1000;
    run(c, 500 + FIRST_HOLD_MS, at, true, false);
    c.update(at, true, true);
    expect(c.ceiling).toBe(0);
    expect(c.nextHoldMs).toBe(FIRST_HOLD_MS);
  });

  it('ends the episode once everything fits the estimate for a while, not at a moment', () => {
    const c = new TemporalCeiling();
    c.update(0, true, true);
    run(c, 250, 1000, false, false);
    expect(c.ceiling).toBe(0);
    c.update(1000, true, false); // starved again before FIT_MS: the episode goes on
    run(c, 1250, 1250 + FIT_MS + 250, false, false);
    expect(c.ceiling).toBe(ALL_TEMPORAL);
    expect(c.nextHoldMs).toBeUndefined();
  });
});
