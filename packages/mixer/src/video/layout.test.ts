import { describe, expect, it } from 'vitest';
import { fitRect } from './fit.ts';
import type { Rect } from './i420.ts';
import { gridLayout, speakerLayout } from './layout.ts';

function inside(r: Rect, w: number, h: number): boolean {
  return r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h;
}

function overlap(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const even = (r: Rect): boolean => r.x % 2 === 0 && r.y % 2 === 0 && r.width % 2 === 0 && r.height % 2 === 0;

describe('gridLayout', () => {
  it.each([1, 2, 3, 4, 5, 7, 9, 10, 16, 25])('%i tiles: ceil(√n) columns, inside, even, disjoint', (n) => {
    const tiles = gridLayout(n, 1280, 720);
    expect(tiles).toHaveLength(n);
    const cols = Math.ceil(Math.sqrt(n));
    expect(new Set(tiles.map((t) => t.y)).size).toBe(Math.ceil(n / cols));
    for (const [i, t] of tiles.entries()) {
      expect(inside(t, 1280, 720)).toBe(true);
      expect(even(t)).toBe(true);
      for (const u of tiles.slice(i + 1)) expect(overlap(t, u)).toBe(false);
    }
  });

  it('centres a partial last row', () => {
    const tiles = gridLayout(5, 1280, 720); // 3 + 2
    const last = tiles.slice(3);
    const left = last[0]!.x;
    const right = 1280 - (last[1]!.x + last[1]!.width);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(2);
  });

  it('returns no tiles for nobody and rejects a bad count', () => {
    expect(gridLayout(0, 640, 360)).toEqual([]);
    expect(() => gridLayout(-1, 640, 360)).toThrow(RangeError);
    expect(() => gridLayout(2, 0, 360)).toThrow(RangeError);
  });
});

describe('speakerLayout', () => {
  it('puts the speaker large on top and the others in a strip below', () => {
    const tiles = speakerLayout(5, 1280, 720);
    const [speaker, ...strip] = tiles;
    expect(speaker!.width * speaker!.height).toBeGreaterThan(4 * strip[0]!.width * strip[0]!.height);
    for (const t of strip) {
      expect(t.y).toBeGreaterThanOrEqual(speaker!.y + speaker!.height);
      expect(t.y).toBe(strip[0]!.y);
      expect(inside(t, 1280, 720)).toBe(true);
      expect(even(t)).toBe(true);
    }
  });

  it('gives a lone participant the whole canvas, minus the margin', () => {
    expect(speakerLayout(1, 640, 360)).toEqual([{ x: 4, y: 4, width: 632, height: 352 }]);
  });
});

describe('fitRect', () => {
  it('pillarboxes 4:3 in 16:9 and letterboxes 16:9 in 4:3, centred and even', () => {
    expect(fitRect(640, 480, { x: 0, y: 0, width: 640, height: 360 })).toEqual({ x: 80, y: 0, width: 480, height: 360 });
    expect(fitRect(1280, 720, { x: 10, y: 20, width: 400, height: 300 })).toEqual({ x: 10, y: 58, width: 400, height: 224 });
  });

  it('is empty for an empty source or area', () => {
    expect(fitRect(0, 10, { x: 0, y: 0, width: 10, height: 10 }).width).toBe(0);
    expect(fitRect(10, 10, { x: 0, y: 0, width: 1, height: 10 }).width).toBe(0);
  });
});
