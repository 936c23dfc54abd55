import { describe, expect, it } from 'vitest';
import { composite } from './composite.ts';
import { CompositorClosedError, WorkerCompositor } from './compositor.ts';
import { createI420 } from './i420.ts';
import { gridLayout, speakerLayout } from './layout.ts';
import { COLOURS, solid } from './test-frames.ts';

/** A frame with structure (a gradient and a colour), so scaling differences would show. */
function pattern(width: number, height: number, seed: number): ReturnType<typeof solid> {
  const f = solid(width, height, COLOURS[seed % COLOURS.length]!);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) f.data[y * width + x] = (x * 3 + y * 5 + seed * 40) & 255;
  return f;
}

describe('WorkerCompositor', () => {
  it('produces the same pixels as the in-thread composite, and keeps sources across requests', async () => {
    const compositor = new WorkerCompositor();
    try {
      const sources = [pattern(640, 480, 0), pattern(320, 180, 1), pattern(1280, 720, 2), pattern(175, 99, 3)];
      const names = ['Ada', 'Grace', 'Linus', 'Margaret H.'];
      const expected = (layout: ReturnType<typeof gridLayout>) =>
        composite(
          sources.map((frame, i) => ({ frame, name: names[i] })),
          layout,
          createI420(640, 360),
        );
      const grid = expected(gridLayout(4, 640, 360));
      const speaker = expected(speakerLayout(4, 640, 360));
      // Copies go to the worker: updateFrame transfers (detaches) the buffer it is given.
      sources.forEach((f, i) => compositor.updateFrame(`s${i}`, { ...f, data: f.data.slice() }));
      const tiles = names.map((name, i) => ({ sourceId: `s${i}`, name }));
      const first = await compositor.composite(tiles, gridLayout(4, 640, 360), 640, 360);
      expect(first.width).toBe(640);
      expect(Buffer.from(first.data).equals(Buffer.from(grid.data))).toBe(true);
      const second = await compositor.composite(tiles, speakerLayout(4, 640, 360), 640, 360, undefined, first);
      expect(first.data.byteLength).toBe(0); // handed back for reuse
      expect(Buffer.from(second.data).equals(Buffer.from(speaker.data))).toBe(true);
      expect(second.elapsedMs).toBeGreaterThan(0);
    } finally {
      await compositor.close();
    }
  });

  it('transfers the frame buffer it is given, and copies one it does not own whole', async () => {
    const compositor = new WorkerCompositor();
    try {
      const frame = solid(64, 36, COLOURS[0]!);
      compositor.updateFrame('a', frame);
      expect(frame.data.byteLength).toBe(0);
      const backing = new Uint8Array(10 + frame.width * frame.height * 1.5);
      const view = { width: 64, height: 36, data: backing.subarray(10) };
      compositor.updateFrame('b', view);
      expect(view.data.byteLength).toBe(64 * 36 * 1.5);
    } finally {
      await compositor.close();
    }
  });

  it('rejects once closed', async () => {
    const compositor = new WorkerCompositor();
    await compositor.close();
    await compositor.close();
    await expect(compositor.composite([], [], 64, 36)).rejects.toBeInstanceOf(CompositorClosedError);
    expect(() => compositor.updateFrame('a', createI420(2, 2))).toThrow(CompositorClosedError);
  });
});
