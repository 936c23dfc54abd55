import { describe, expect, it } from 'vitest';
import { composite } from './composite.ts';
import { CompositeCache } from './composite-cache.ts';
import { createI420, type I420Frame } from './i420.ts';
import { gridLayout, speakerLayout, type Layout } from './layout.ts';
import { COLOURS, solid } from './test-frames.ts';

function pattern(width: number, height: number, seed: number): I420Frame {
  const f = solid(width, height, COLOURS[seed % COLOURS.length]!);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) f.data[y * width + x] = (x * 3 + y * 5 + seed * 40) & 255;
  return f;
}

const IDS = ['a', 'b', 'c', 'd'];
const NAMES: Record<string, string> = { a: 'Ada', b: 'Grace', c: 'Linus', d: 'Margaret H.' };

/** Each listener's grid of the others, from the cache and from `composite()`: they must be byte-identical. */
function checkAll(cache: CompositeCache, frames: Map<string, I420Frame>, layoutOf: (n: number) => Layout = (n) => gridLayout(n, 640, 360)) {
  let tilesDrawn = 0;
  let picturesScaled = 0;
  for (const listener of IDS) {
    const others = IDS.filter((id) => id !== listener);
    const layout = layoutOf(others.length);
    const out = createI420(640, 360);
    const work = cache.composite(others.map((id) => ({ sourceId: id, name: NAMES[id] })), layout, out);
    tilesDrawn += work.tilesDrawn;
    picturesScaled += work.picturesScaled;
    const expected = composite(others.map((id) => ({ frame: frames.get(id), name: NAMES[id] })), layout, createI420(640, 360));
    expect(Buffer.from(out.data).equals(Buffer.from(expected.data)), `listener ${listener}`).toBe(true);
  }
  return { tilesDrawn, picturesScaled };
}

describe('CompositeCache', () => {
  it('matches composite() byte for byte while scaling each frame once per size and redrawing only what changed', () => {
    let clock = 0;
    const cache = new CompositeCache(() => clock);
    const frames = new Map<string, I420Frame>();
    IDS.forEach((id, i) => {
      frames.set(id, pattern(640, 360, i));
      cache.setFrame(id, frames.get(id)!);
    });
    // Four listeners, each a grid of the three others: 12 tiles drawn, but each source scaled once (all tiles are one size).
    expect(checkAll(cache, frames)).toEqual({ tilesDrawn: 12, picturesScaled: 4 });
    // Nothing new: nothing drawn, nothing scaled.
    clock += 66;
    expect(checkAll(cache, frames)).toEqual({ tilesDrawn: 0, picturesScaled: 0 });
    // One new frame: its three tiles drawn again, scaled once.
    frames.set('b', pattern(640, 360, 7));
    cache.setFrame('b', frames.get('b')!);
    expect(checkAll(cache, frames)).toEqual({ tilesDrawn: 3, picturesScaled: 1 });
    // A resolution change mid-stream (and an odd size): a new picture size, still exact.
    frames.set('c', pattern(321, 241, 3));
    cache.setFrame('c', frames.get('c')!);
    expect(checkAll(cache, frames)).toEqual({ tilesDrawn: 3, picturesScaled: 1 });
    // A source that goes: its tiles show the name only.
    frames.delete('d');
    cache.removeSource('d');
    expect(checkAll(cache, frames).tilesDrawn).toBe(3);
    expect(cache.stats.views).toBe(4);
  });

  it('keeps separate canvases per layout, and forgets views and pictures nobody asked for lately', () => {
    let clock = 0;
    const cache = new CompositeCache(() => clock);
    const frames = new Map(IDS.map((id, i) => [id, pattern(320, 240, i)] as const));
    for (const [id, f] of frames) cache.setFrame(id, f);
    checkAll(cache, frames, (n) => speakerLayout(n, 640, 360));
    checkAll(cache, frames);
    expect(cache.stats.views).toBe(8);
    clock += 5000;
    checkAll(cache, frames); // re-uses the grid views; the speaker views are idle and swept
    expect(cache.stats.views).toBe(4);
    expect(cache.stats.scaledPictures).toBe(4);
  });

  it('rejects a malformed frame and keeps the previous one', () => {
    const cache = new CompositeCache();
    const good = pattern(64, 36, 1);
    cache.setFrame('a', good);
    expect(() => cache.setFrame('a', { width: 64, height: 36, data: new Uint8Array(100) })).toThrow(RangeError);
    const out = createI420(128, 72);
    const layout = gridLayout(1, 128, 72);
    cache.composite([{ sourceId: 'a' }], layout, out);
    expect(Buffer.from(out.data).equals(Buffer.from(composite([{ frame: good }], layout, createI420(128, 72)).data))).toBe(true);
  });
});
