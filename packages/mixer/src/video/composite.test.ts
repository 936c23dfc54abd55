import { describe, expect, it } from 'vitest';
import { composite } from './composite.ts';
import { fitRect } from './fit.ts';
import { createI420, type I420Frame } from './i420.ts';
import { labelGeometry } from './label.ts';
import { gridLayout, speakerLayout } from './layout.ts';
import { COLOURS, centre, lumaDiff, pixel, solid } from './test-frames.ts';
import { viewFor } from './view.ts';

const TILE_BG = { y: 40, u: 128, v: 128 };

describe('composite', () => {
  it('draws each input in its grid tile in its own colour', () => {
    const inputs = COLOURS.slice(0, 4).map((c, i) => ({ frame: solid(320 + 16 * i, 180 + 8 * i, c) }));
    const out = createI420(640, 360);
    const layout = gridLayout(4, 640, 360);
    composite(inputs, layout, out);
    layout.forEach((tile, i) => {
      const picture = fitRect(inputs[i]!.frame.width, inputs[i]!.frame.height, tile);
      const [cx, cy] = centre(picture);
      expect(pixel(out, cx, cy)).toEqual(COLOURS[i]);
      expect(pixel(out, picture.x, picture.y)).toEqual(COLOURS[i]); // exact to the edge: solid in, solid out
      expect(pixel(out, picture.x + picture.width - 1, picture.y + picture.height - 1)).toEqual(COLOURS[i]);
    });
  });

  it('letterboxes: bars around a picture of another aspect show the tile background', () => {
    const out = createI420(640, 360);
    const layout = speakerLayout(1, 640, 360);
    composite([{ frame: solid(480, 480, COLOURS[0]!) }], layout, out); // square in a wide tile: pillarbox
    const picture = fitRect(480, 480, layout[0]!);
    expect(picture.width).toBe(picture.height);
    expect(pixel(out, picture.x - 2, 180)).toEqual(TILE_BG);
    expect(pixel(out, picture.x + picture.width + 1, 180)).toEqual(TILE_BG);
    expect(pixel(out, picture.x, 180)).toEqual(COLOURS[0]);
    expect(pixel(out, 320, picture.y)).toEqual(COLOURS[0]);
  });

  it('draws names inside the label area of their own tile only', () => {
    const frames = COLOURS.slice(0, 4).map((c) => ({ frame: solid(320, 180, c) }));
    const layout = gridLayout(4, 640, 360);
    const plain = composite(frames, layout, createI420(640, 360));
    const named = composite(
      frames.map((f, i) => ({ ...f, name: `Participant ${i + 1}` })),
      layout,
      createI420(640, 360),
    );
    const changed = lumaDiff(plain, named);
    expect(changed.length).toBeGreaterThan(200);
    const boxes = layout.map((tile, i) => labelGeometry(tile, `Participant ${i + 1}`)!.box);
    for (const { x, y } of changed) {
      expect(boxes.some((b) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height)).toBe(true);
    }
    boxes.forEach((b, i) => {
      expect(b.x + b.width).toBeLessThanOrEqual(layout[i]!.x + layout[i]!.width);
      expect(changed.some(({ x, y }) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height)).toBe(true);
    });
  });

  it('truncates a long name to the tile width with an ellipsis', () => {
    const tile = { x: 0, y: 0, width: 120, height: 90 };
    const g = labelGeometry(tile, 'A very long display name that cannot fit')!;
    expect(g.text.endsWith('…')).toBe(true);
    expect(g.box.x + g.box.width).toBeLessThanOrEqual(120);
    expect(labelGeometry(tile, 'Ann')!.text).toBe('Ann');
  });

  it('handles odd sizes, tiny canvases, missing frames and many inputs without throwing', () => {
    const odd = (w: number, h: number, i: number): I420Frame => solid(w, h, COLOURS[i % COLOURS.length]!);
    for (const [w, h] of [[101, 77], [7, 5], [1, 1], [641, 361]] as const) {
      for (const n of [1, 2, 3, 6, 13]) {
        const inputs = Array.from({ length: n }, (_, i) => ({ frame: i % 3 === 2 ? undefined : odd(33 + i, 17 + 2 * i, i), name: `p${i}` }));
        const out = createI420(w, h);
        expect(() => composite(inputs, gridLayout(n, w, h), out)).not.toThrow();
        expect(() => composite(inputs, speakerLayout(n, w, h), out)).not.toThrow();
      }
    }
  });

  it('yields a blank frame for zero inputs', () => {
    const out = createI420(64, 36, COLOURS[0]);
    composite([], gridLayout(0, 64, 36), out);
    expect(out.data.subarray(0, 64 * 36).every((v) => v === 16)).toBe(true);
    expect(out.data.subarray(64 * 36).every((v) => v === 128)).toBe(true);
  });

  it('rejects a frame whose buffer does not match its size', () => {
    expect(() => composite([], [], { width: 4, height: 4, data: new Uint8Array(10) })).toThrow(RangeError);
  });
});

describe('viewFor', () => {
  const people = ['a', 'b', 'c', 'd'].map((id) => ({ id, name: id.toUpperCase() }));

  it('never shows listeners their own tile unless they ask', () => {
    expect(viewFor('b', people, 640, 360, { layout: 'grid' }).inputs.map((p) => p.id)).toEqual(['a', 'c', 'd']);
    expect(viewFor('b', people, 640, 360, { layout: 'grid', showSelf: true }).inputs).toHaveLength(4);
  });

  it('puts the active speaker in the large tile', () => {
    const view = viewFor('a', people, 640, 360, { layout: 'speaker', speakerId: 'c' });
    expect(view.inputs.map((p) => p.id)).toEqual(['c', 'b', 'd']);
    expect(view.layout).toHaveLength(3);
    // The speaker's own view falls back to room order.
    expect(viewFor('c', people, 640, 360, { layout: 'speaker', speakerId: 'c' }).inputs.map((p) => p.id)).toEqual(['a', 'b', 'd']);
  });
});
