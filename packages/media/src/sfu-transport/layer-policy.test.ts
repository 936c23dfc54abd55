import { describe, expect, it } from 'vitest';
import type { Consumer } from '../sfu/consumer.ts';
import type { LayerStats } from '../sfu/types.ts';
import { chooseLayers, type Preference } from './layer-policy.ts';

/** A simulcast camera with three layers of the given bitrates (bps), 180p, 360p and 720p. */
function camera(id: string, bitrates = [150_000, 500_000, 1_500_000]): Consumer {
  const layers: LayerStats[] = bitrates.map((bitrate, i) => ({ rid: ['q', 'h', 'f'][i], ssrc: i + 1, bitrate, width: 320 * 2 ** i, height: 180 * 2 ** i, packets: 100, lastPacketAt: 0 }));
  return { id: `c-${id}`, kind: 'video', currentLayer: 0, producer: { id, rids: ['q', 'h', 'f'], layers: () => layers } } as unknown as Consumer;
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

  it('a hidden tile does not count: it is paused, not starved', () => {
    const consumers = [camera('a'), camera('b')];
    const { choices, starved } = chooseLayers(200_000, consumers, new Map([['a', small], ['b', { width: 0, height: 0 }]]));
    expect([...choices.values()].map((c) => c.layer)).toEqual([0, undefined]);
    expect(starved).toBe(false);
  });
});
