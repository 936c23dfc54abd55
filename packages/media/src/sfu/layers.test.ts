import { describe, expect, it } from 'vitest';
import { allocateLayers, preferredLayer, wantedLayers } from './layers.ts';
import type { LayerStats } from './types.ts';

const NOW = 10_000;

function layer(bitrate: number, size?: [number, number], lastPacketAt: number | null = NOW - 100): LayerStats {
  const l: LayerStats = { rid: undefined, ssrc: 1, bitrate, packets: lastPacketAt === null ? 0 : 100, lastPacketAt: lastPacketAt ?? undefined };
  if (size) [l.width, l.height] = size;
  return l;
}

const SIMULCAST = [layer(100_000, [320, 180]), layer(400_000, [640, 360]), layer(1_200_000, [1280, 720])];

describe('preferredLayer', () => {
  it('picks the highest layer at most twice the tile’s longer side', () => {
    expect(preferredLayer({ layers: SIMULCAST, width: 160, height: 90 }, NOW)).toBe(0);
    expect(preferredLayer({ layers: SIMULCAST, width: 320, height: 180 }, NOW)).toBe(1); // 640 ≤ 2 × 320
    expect(preferredLayer({ layers: SIMULCAST, width: 640, height: 400 }, NOW)).toBe(2); // 1280 ≤ 2 × 640
    expect(preferredLayer({ layers: SIMULCAST, width: 639, height: 400 }, NOW)).toBe(1); // 1280 > 1278
  });

  it('takes the lowest layer for a tiny tile, and none for a hidden one', () => {
    expect(preferredLayer({ layers: SIMULCAST, width: 40, height: 30 }, NOW)).toBe(0);
    expect(preferredLayer({ layers: SIMULCAST, width: 0, height: 0 }, NOW)).toBeUndefined();
  });

  it('ignores layers without packets in the last 2 s', () => {
    const layers = [SIMULCAST[0]!, layer(0, [640, 360], NOW - 2500), SIMULCAST[2]!];
    expect(preferredLayer({ layers, width: 360, height: 200 }, NOW)).toBe(0);
    expect(preferredLayer({ layers: [layer(0, undefined, null)], width: 100, height: 100 }, NOW)).toBeUndefined();
  });

  it('estimates unknown sizes from a known layer, or takes the highest without any', () => {
    const oneKnown = [layer(1, [320, 180]), layer(1), layer(1)]; // 640, 1280 assumed
    expect(preferredLayer({ layers: oneKnown, width: 400, height: 300 }, NOW)).toBe(1);
    expect(preferredLayer({ layers: [layer(1), layer(1), layer(1)], width: 100, height: 100 }, NOW)).toBe(2);
  });
});

describe('allocateLayers', () => {
  const one = (budget: number, current?: number): number | undefined =>
    allocateLayers(budget, [{ id: 'a', layers: SIMULCAST, preferred: 2, current }]).get('a');

  it('picks layer 0 under 300 kbps and the preferred layer under 5 Mbps', () => {
    expect(one(300_000)).toBe(0);
    expect(one(5_000_000)).toBe(2);
    expect(allocateLayers(5_000_000, [{ id: 'a', layers: SIMULCAST, preferred: 1, current: undefined }]).get('a')).toBe(1);
  });

  it('needs 15 % headroom to go up, none to stay', () => {
    expect(one(450_000)).toBe(0); // 400k × 1.15 = 460k > 450k
    expect(one(450_000, 1)).toBe(1); // but layer 1 is what it has now
    expect(one(450_000, 2)).toBe(1);
    expect(one(450_000, 0)).toBe(0);
    expect(one(460_000, 0)).toBe(1);
  });

  it('gives every visible consumer its base layer first, then the cheapest steps', () => {
    const result = allocateLayers(1_000_000, [
      { id: 'speaker', layers: SIMULCAST, preferred: 2, current: 0 },
      { id: 'small', layers: SIMULCAST, preferred: 1, current: 0 },
      { id: 'hidden', layers: SIMULCAST, preferred: undefined, current: 0 },
    ]);
    // Base 100k + 100k; steps of 300k each: one fits (500k × 1.15), the second (800k × 1.15 = 920k) too.
    expect(Object.fromEntries(result)).toEqual({ speaker: 1, small: 1, hidden: undefined });
  });

  it('pauses consumers whose base layer no longer fits, in order', () => {
    const result = allocateLayers(150_000, [
      { id: 'first', layers: SIMULCAST, preferred: 2, current: 1 },
      { id: 'second', layers: SIMULCAST, preferred: 2, current: 1 },
    ]);
    expect(Object.fromEntries(result)).toEqual({ first: 0, second: undefined });
  });

  it('skips layers that carry nothing', () => {
    const layers = [layer(100_000, [320, 180]), layer(0, [640, 360]), layer(1_000_000, [1280, 720])];
    expect(allocateLayers(3_000_000, [{ id: 'a', layers, preferred: 2, current: undefined }]).get('a')).toBe(2);
    expect(allocateLayers(3_000_000, [{ id: 'a', layers, preferred: 1, current: undefined }]).get('a')).toBe(0);
  });
});

describe('wantedLayers', () => {
  it('is the union of targets, lowest first, always with the lowest', () => {
    expect(wantedLayers(['q', 'h', 'f'], [2, undefined, 2])).toEqual(['q', 'f']);
    expect(wantedLayers(['q', 'h', 'f'], [])).toEqual(['q']);
    expect(wantedLayers(['q', 'h', 'f'], [1, 7, -1])).toEqual(['q', 'h']);
  });
});
