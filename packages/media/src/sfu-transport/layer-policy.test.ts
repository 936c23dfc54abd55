import { describe, expect, it } from 'vitest';
import type { Consumer } from '../sfu/consumer.ts';
import type { LayerStats } from '../sfu/types.ts';
import { chooseLayers, type Preference } from './layer-policy.ts';

/** A simulcast camera with three layers of the given bitrates (bps), 180p, 360p and 720p. */
function camera(id: string, bitrates = [150_000, 500_000, 1_500_000], temporal?: number[]): Consumer {
  const layers: LayerStats[] = bitrates.map((bitrate, i) => ({ rid: ['q', 'h', 'f'][i], ssrc: i + 1, bitrate, width: 320 * 2 ** i, height: 180 * 2 ** i, packets: 100, lastPacketAt: 0 }));
  // With temporal layers: each layer's bitrate split like Chrome's VP8 L1T3 (60 / 20 / 20 %).
  if (temporal) for (const l of layers) l.temporalBitrates = temporal.map((share) => share * l.bitrate);
  return { id: `c-${id}`, kind: 'video', currentLayer: 0, maxTemporalLayer: 3, producer: { id, rids: ['q', 'h', 'f'], layers: () => layers } } as unknown as Consumer;
}

const voice = (id: string) => ({ id: `c-${id}`, kind: 'audio', producer: { id } }) as unknown as Consumer;
const small: Preference = { width: 320, height: 180 };

/** Two participants, a voice and a camera each, both tiles `tile`-sized. */
function twoTiles(tile: Preference): [Consumer[], Map<string, Preference>] {
  return [[voice('a1'), camera('a'), voice('b1'), camera('b')], new Map([['a', tile], ['b', tile]])];
}

describe('chooseLayers', () => {
  it('lowers layers within the estimate without calling the downlink starved', () => {
    const [consumers, prefs] = twoTiles({ width: 1280, height: 720 });
    const { choices, starved } = chooseLayers(1_400_000, consumers, prefs);
    expect([...choices.values()].map((c) => c.layer)).toEqual([1, 1]);
    expect(starved).toBe(false);
  });

  it('is starved when even the lowest layers of the tiles shown need more than the estimate, and keeps them anyway', () => {
    const [consumers, prefs] = twoTiles(small);
    // 2 × 48 kbit/s for the voices, then 150 kbit/s fits once: the second tile's lowest layer does not.
    const { choices, starved } = chooseLayers(300_000, consumers, prefs);
    expect([...choices.values()].map((c) => c.layer)).toEqual([0, 0]);
    expect(starved).toBe(true);
  });

  it('on a congested link (pauseStarved) the tiles whose lowest layer does not fit are paused instead', () => {
    const [consumers, prefs] = twoTiles(small);
    const { choices, starved } = chooseLayers(300_000, consumers, prefs, true);
    expect([...choices.values()].map((c) => c.layer)).toEqual([0, undefined]);
    expect(starved).toBe(true);
  });

  it('a tile whose lowest layer does not fit gets fewer of its temporal layers instead, and the downlink is not starved', () => {
    const split = [0.6, 0.2, 0.2];
    const consumers = [voice('a1'), camera('a', undefined, split), voice('b1'), camera('b', undefined, split)];
    const prefs = new Map([['a', small], ['b', small]]);
    // 300 − 96 for voices − 150 for a's lowest layer leaves 54 kbit/s: b's base temporal layer (90) does not fit.
    expect(chooseLayers(300_000, consumers, prefs).starved).toBe(true);
    // 386 − 96 − 150 leaves 140: b's TIDs 0–1 (120 × 1.15 = 138) fit, not all three (150).
    const { choices, starved } = chooseLayers(386_000, consumers, prefs);
    expect([...choices.values()].map((c) => [c.layer, c.temporal])).toEqual([[0, 3], [0, 1]]);
    expect(starved).toBe(false);
    // Down to a layer already forwarded needs no headroom: 96 + 150 + 120 = 366.
    (consumers[3] as unknown as { maxTemporalLayer: number }).maxTemporalLayer = 1;
    expect(chooseLayers(367_000, consumers, prefs).choices.get(consumers[3]!)).toMatchObject({ layer: 0, temporal: 1 });
    (consumers[3] as unknown as { maxTemporalLayer: number }).maxTemporalLayer = 0;
    expect(chooseLayers(367_000, consumers, prefs).choices.get(consumers[3]!)).toMatchObject({ layer: 0, temporal: 0 });
  });

  it('starved on a link that loses (thinStarved), the tiles whose lowest layer does not fit keep only its base temporal layer', () => {
    const split = [0.6, 0.2, 0.2];
    const consumers = [voice('a1'), camera('a', undefined, split), voice('b1'), camera('b', undefined, split)];
    const prefs = new Map([['a', small], ['b', small]]);
    const { choices, starved } = chooseLayers(100_000, consumers, prefs, false, true);
    expect([...choices.values()].map((c) => [c.layer, c.temporal])).toEqual([[0, 0], [0, 0]]);
    expect(starved).toBe(true);
    expect([...chooseLayers(100_000, consumers, prefs, true, true).choices.values()].map((c) => c.layer)).toEqual([undefined, undefined]);
  });

  it('a hidden tile does not count: it is paused, not starved', () => {
    const consumers = [camera('a'), camera('b')];
    const { choices, starved } = chooseLayers(200_000, consumers, new Map([['a', small], ['b', { width: 0, height: 0 }]]));
    expect([...choices.values()].map((c) => c.layer)).toEqual([0, undefined]);
    expect(starved).toBe(false);
  });
});
