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

  it('when not every lowest layer fits, the tiles share the estimate by frame rate (temporal layers), evenly, and the downlink is not starved', () => {
    const split = [0.6, 0.2, 0.2];
    const consumers = [voice('a1'), camera('a', undefined, split), voice('b1'), camera('b', undefined, split)];
    const prefs = new Map([['a', small], ['b', small]]);
    const layers = (estimate: number) => [...chooseLayers(estimate, consumers, prefs).choices.values()].map((c) => [c.layer, c.temporal]);
    // 250 − 96 for voices leaves 154 kbit/s: not even both base temporal layers (2 × 90) fit.
    expect(chooseLayers(250_000, consumers, prefs).starved).toBe(true);
    // 300 − 96 leaves 204: both base layers (180), not one at full (150) and the other at a quarter (90).
    expect(layers(300_000)).toEqual([[0, 0], [0, 0]]);
    expect(chooseLayers(300_000, consumers, prefs).starved).toBe(false);
    // 386 − 96 leaves 290: TIDs 0–1 of both (240), then all of a's (270); all of b's would be 300.
    expect(layers(386_000)).toEqual([[0, 3], [0, 1]]);
    // Going up beyond what is forwarded needs 15 % headroom: b forwarding only its base layer, 367 − 96 = 271 takes
    // a back up to all (270) but not b to TIDs 0–1 (240 × 1.15 = 276 after a's first step).
    (consumers[3] as unknown as { maxTemporalLayer: number }).maxTemporalLayer = 0;
    expect(layers(367_000)).toEqual([[0, 3], [0, 0]]);
    (consumers[3] as unknown as { maxTemporalLayer: number }).maxTemporalLayer = 1;
    expect(layers(367_000)).toEqual([[0, 3], [0, 1]]);
  });

  it('a tile whose publisher sends nothing yet waits on its lowest layer without starving the downlink', () => {
    const silent = camera('b', [0, 0, 0]);
    const { choices, starved } = chooseLayers(300_000, [camera('a'), silent], new Map([['a', small], ['b', small]]));
    expect([...choices.values()].map((c) => c.layer)).toEqual([0, 0]);
    expect(starved).toBe(false);
  });

  it('starved with a temporal ceiling (the link lost), every tile on its lowest layer forwards at most that many temporal layers', () => {
    const split = [0.6, 0.2, 0.2];
    const consumers = [voice('a1'), camera('a', undefined, split), voice('b1'), camera('b', undefined, split)];
    const prefs = new Map([['a', small], ['b', small]]);
    const { choices, starved } = chooseLayers(100_000, consumers, prefs, false, 0);
    expect([...choices.values()].map((c) => [c.layer, c.temporal])).toEqual([[0, 0], [0, 0]]);
    expect(starved).toBe(true);
    expect([...chooseLayers(100_000, consumers, prefs, true, 0).choices.values()].map((c) => c.layer)).toEqual([undefined, undefined]);
    // 250 kbit/s: a's lowest layer fits (at full frame rate), b's does not, nor both base temporal layers: starved, both
    // kept whole. With a ceiling of TIDs 0–1 both get half the frame rate, a as well.
    expect([...chooseLayers(250_000, consumers, prefs).choices.values()].map((c) => [c.layer, c.temporal])).toEqual([[0, 3], [0, 3]]);
    expect([...chooseLayers(250_000, consumers, prefs, false, 1).choices.values()].map((c) => [c.layer, c.temporal])).toEqual([[0, 1], [0, 1]]);
  });

  it('a ceiling does not touch a downlink that is not starved, nor a tile above its lowest layer', () => {
    const split = [0.6, 0.2, 0.2];
    const consumers = [voice('a1'), camera('a', undefined, split), voice('b1'), camera('b', undefined, split)];
    // Everything fits: no ceiling, whatever the controller says.
    const fits = chooseLayers(2_000_000, consumers, new Map([['a', small], ['b', small]]), false, 0);
    expect(fits.starved).toBe(false);
    expect([...fits.choices.values()].map((c) => c.temporal)).toEqual([3, 3]);
  });

  it('a hidden tile does not count: it is paused, not starved', () => {
    const consumers = [camera('a'), camera('b')];
    const { choices, starved } = chooseLayers(200_000, consumers, new Map([['a', small], ['b', { width: 0, height: 0 }]]));
    expect([...choices.values()].map((c) => c.layer)).toEqual([0, undefined]);
    expect(starved).toBe(false);
  });
});
