import { describe, expect, it } from 'vitest';
import { computeWindow, ratio } from './figures.ts';
import { DelayHistogram } from './receive-stats.ts';
import type { SubscriberReport } from './protocol.ts';

const hist = (...delaysNs: number[]) => {
  const h = new DelayHistogram();
  for (const d of delaysNs) h.add(d);
  return { delay: h.toSparse(), delayMaxNs: h.maxNs };
};
const sub = (index: number, received: Record<string, number>, delays: number[]): SubscriberReport => ({ index, received, duplicates: 0, foreign: 0, srtpFailures: 0, rtpIn: 0, tracks: [], ...hist(...delays) });

describe('computeWindow', () => {
  const input = {
    windowS: 2,
    publishers: [{ index: 0, audio: 100, video: 400, keyframes: 1, keyRequests: 0, sendErrors: 0, tracks: [] }],
    subscribers: [sub(1, { '0/0': 100, '0/1': 400 }, [100_000, 100_000, 100_000]), sub(2, { '0/0': 98, '0/1': 390, '9/9': 5 }, [3_000_000])],
    serverCpuMs: 494,
    clientCpuMs: 300,
    machineCpuMs: 1000,
  };

  it('counts expected, forwarded and lost per subscriber against what was published', () => {
    const f = computeWindow(input);
    expect(f).toMatchObject({ published: 500, expected: 1000, forwarded: 988, lost: 12, subscribersWithLoss: 1, worstSubscriberLost: 12, lostByAll: 0 });
    expect(f.lossPct).toBeCloseTo(1.2, 9);
    expect(f.forwardedPerS).toBe(494);
  });

  it('divides server CPU by forwarded packets and derives one core’s capacity', () => {
    const f = computeWindow(input);
    expect(f.cpuPerPacketUs).toBeCloseTo(500, 9);
    expect(f.capacityPerCore).toBeCloseTo(2000, 9);
    expect(f.serverCpuPct).toBeCloseTo(24.7, 9);
    expect(f.clientCpuPct).toBe(15);
    expect(f.otherCpuPct).toBeCloseTo(10.3, 9);
  });

  it('merges every subscriber’s delays into one percentile', () => {
    const f = computeWindow(input);
    expect(f.delayP50Ms).toBeCloseTo(0.11, 9);
    expect(f.delayP99Ms).toBeCloseTo(3.01, 9);
    expect(f.delayMaxMs).toBe(3);
  });

  it('attributes packets nobody received to the input side, and never counts more than was sent', () => {
    const f = computeWindow({ ...input, subscribers: [sub(1, { '0/0': 90, '0/1': 500 }, []), sub(2, { '0/0': 80, '0/1': 400 }, [])] });
    expect(f.lostByAll).toBe(10);
    expect(f.forwarded).toBe(90 + 400 + 80 + 400);
    expect(computeWindow({ ...input, subscribers: [] }).cpuPerPacketUs).toBeNaN();
  });
});

describe('ratio', () => {
  it('is Parley over Janus, NaN when either is missing or Janus is 0', () => {
    expect(ratio(10, 20)).toBe(0.5);
    expect(ratio(Number.NaN, 1)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
  });
});
