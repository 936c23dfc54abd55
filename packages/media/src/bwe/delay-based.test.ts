import { describe, expect, it } from 'vitest';
import { InterGroupDelay } from './inter-group.ts';
import { OveruseDetector } from './overuse-detector.ts';
import { TrendlineFilter, leastSquaresSlope } from './trendline.ts';

describe('InterGroupDelay (draft-ietf-rmcat-gcc-02 §5.2)', () => {
  it('groups packets sent within 5 ms and measures between the last packets of consecutive groups', () => {
    const groups = new InterGroupDelay();
    // Group A: sent 0, 3 ms; group B: sent 10, 14 ms; group C starts at 20 ms.
    expect(groups.push(0, 50)).toBeUndefined();
    expect(groups.push(3, 54)).toBeUndefined();
    expect(groups.push(10, 61)).toBeUndefined(); // A complete, but no previous group yet
    expect(groups.push(14, 70)).toBeUndefined();
    const sample = groups.push(20, 80);
    expect(sample).toEqual({ arrivalMs: 70, sendDeltaMs: 11, arrivalDeltaMs: 16, delayVariationMs: 5 });
  });

  it('folds a burst released by a queue into the group it queued behind', () => {
    const groups = new InterGroupDelay();
    groups.push(0, 100);
    // Sent 8 ms later but arrived 1 ms after: it waited behind the first one, same group.
    expect(groups.push(8, 101)).toBeUndefined();
    groups.push(20, 120);
    const sample = groups.push(40, 140);
    expect(sample?.sendDeltaMs).toBe(12);
    expect(sample?.arrivalDeltaMs).toBe(19);
  });

  it('skips packets sent before the group in progress and restarts after a clock jump', () => {
    const groups = new InterGroupDelay();
    groups.push(0, 10);
    groups.push(10, 20);
    expect(groups.push(5, 30)).toBeUndefined(); // sent before the group in progress
    expect(groups.push(20, 30)?.delayVariationMs).toBe(0);
    expect(groups.push(30, 10_000)?.delayVariationMs).toBe(0); // completes the group before the jump
    expect(groups.push(40, 10_010)).toBeUndefined(); // the jumped group: 9.96 s of extra delay is a reset
    expect(groups.push(50, 10_020)).toBeUndefined(); // no previous group after the reset
    expect(groups.push(60, 10_030)?.delayVariationMs).toBe(0);
  });
});

describe('TrendlineFilter (§5.3, trendline form)', () => {
  it('fits the least-squares slope', () => {
    expect(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBe(2);
    expect(leastSquaresSlope([{ x: 1, y: 1 }, { x: 1, y: 2 }])).toBeUndefined();
  });

  it('reports a growing queue as a positive trend and a steady one as zero', () => {
    const growing = new TrendlineFilter();
    const steady = new TrendlineFilter();
    let trend = 0;
    for (let i = 1; i <= 100; i++) {
      trend = growing.update(2, i * 10); // the queue grows 2 ms every 10 ms
      steady.update(i % 2 === 0 ? 1 : -1, i * 10);
    }
    // The smoothed accumulated delay rises 0.2 ms per ms; × min(100, 60) × gain 4.
    expect(growing.slope).toBeCloseTo(0.2, 2);
    expect(trend).toBeCloseTo(0.2 * 60 * 4, 0);
    expect(Math.abs(steady.modifiedTrend)).toBeLessThan(1);
  });

  it('says nothing until its window is full', () => {
    const filter = new TrendlineFilter({ windowSize: 5 });
    for (let i = 1; i < 5; i++) expect(filter.update(10, i)).toBe(0);
    expect(filter.update(10, 5)).toBeGreaterThan(0);
  });
});

describe('OveruseDetector (§5.4)', () => {
  it('signals over-use only after m stays above γ for more than 10 ms and two samples', () => {
    const detector = new OveruseDetector({ initialThreshold: 12.5 });
    expect(detector.detect(20, 5, 0, 10)).toBe('normal'); // 2.5 ms over, one sample
    expect(detector.detect(21, 5, 5, 10)).toBe('normal'); // 7.5 ms
    expect(detector.detect(22, 5, 10, 10)).toBe('overusing'); // 12.5 ms, rising
    expect(detector.detect(5, 5, 15, 10)).toBe('normal');
  });

  it('does not signal over-use while m is falling back', () => {
    const detector = new OveruseDetector({ initialThreshold: 12.5 });
    detector.detect(30, 5, 0, 10);
    detector.detect(29, 5, 5, 10);
    expect(detector.detect(28, 5, 10, 10)).toBe('normal');
  });

  it('signals under-use below −γ and nothing before two samples', () => {
    const detector = new OveruseDetector();
    expect(detector.detect(-50, 5, 0, 1)).toBe('normal');
    expect(detector.detect(-20, 5, 0, 2)).toBe('underusing');
  });

  it('adapts γ toward |m|: up with K_u, down with K_d, clamped to [6, 600], spikes ignored', () => {
    const detector = new OveruseDetector({ initialThreshold: 12.5, kUp: 0.01, kDown: 0.001 });
    detector.detect(0, 5, 0, 10); // first update sets the clock
    detector.detect(20, 5, 10, 10); // |m| > γ: γ += 0.01 × (20 − 12.5) × 10
    expect(detector.threshold).toBeCloseTo(12.5 + 0.75, 10);
    detector.detect(100, 5, 20, 10); // 100 > γ + 15: a spike, γ stays
    expect(detector.threshold).toBeCloseTo(13.25, 10);
    detector.detect(0, 5, 1020, 10); // step capped at 100 ms: γ −= 0.001 × 13.25 × 100
    expect(detector.threshold).toBeCloseTo(13.25 - 1.325, 10);
    for (let t = 2000; t < 100_000; t += 100) detector.detect(0, 5, t, 10);
    expect(detector.threshold).toBe(6);
  });
});
