import { describe, expect, it } from 'vitest';
import type { WindowFigures } from './figures.ts';
import { bestZeroLoss, marginalCpuPerPacketUs } from './report.ts';
import type { TargetResult } from './scenario.ts';

const w = (forwardedPerS: number, serverCpuPct: number, lost = 0): WindowFigures => ({ forwardedPerS, serverCpuPct, lost } as WindowFigures);
const result = (base: WindowFigures, steps: Array<[number, WindowFigures]>): TargetResult =>
  ({ target: 'parley', joins: [], joinRetries: 0, memoryPerConsumerKiB: 0, heapPerConsumerKiB: 0, serverRssMiB: 0, base, steps: steps.map(([packetsPerFrame, f]) => ({ ...f, packetsPerFrame })) }) as TargetResult;

describe('bestZeroLoss', () => {
  it('takes the highest loss-free window and names what ended the step-up', () => {
    const r = result(w(10_000, 30), [[16, w(20_000, 50)], [24, w(28_000, 70, 5)]]);
    expect(bestZeroLoss(r)).toEqual({ perS: 20_000, ppf: 16, limit: 'loss at 24 pkt/frame' });
    expect(bestZeroLoss(result(w(10_000, 30, 1), [])).perS).toBeNaN();
  });
});

describe('marginalCpuPerPacketUs', () => {
  it('is the CPU slope between the base window and the best loss-free step', () => {
    // 30 % → 50 % of a core for 10,000 more packets/s: 200,000 µs / 10,000 = 20 µs.
    expect(marginalCpuPerPacketUs(result(w(10_000, 30), [[16, w(20_000, 50)], [24, w(30_000, 90, 3)]]))).toBeCloseTo(20, 9);
    expect(marginalCpuPerPacketUs(result(w(10_000, 30), []))).toBeNaN();
  });
});
