import { performance } from 'node:perf_hooks';
import type { CompositeOptions } from './composite.ts';
import { fitRect } from './fit.ts';
import { assertI420, createI420, fillRect, planes, type I420Frame, type Rect, type Yuv } from './i420.ts';
import { drawLabel } from './label.ts';
import type { Layout } from './layout.ts';
import { scalePlane } from './scale.ts';

/** What one `CompositeCache.composite` call had to do (the rest came from the cache). */
export interface CompositeWork {
  /** Tiles drawn again (their source had a new frame, or the view is new). */
  tilesDrawn: number;
  /** Pictures scaled (once per source frame and picture size, however many views show it). */
  picturesScaled: number;
}

export interface CompositeCacheStats extends CompositeWork {
  composites: number;
  views: number;
  scaledPictures: number;
}

interface Source {
  frame: I420Frame;
  version: number;
}

interface View {
  canvas: I420Frame;
  /** Per tile, the version of the source frame drawn there (0: the name only; -1: not drawn yet). */
  drawn: number[];
  /** Per tile, where its picture was drawn last (null: no picture): the same place needs no background fill. */
  placed: (Rect | null)[];
  usedMs: number;
}

interface Scaled {
  version: number;
  picture: I420Frame;
  usedMs: number;
}

const BACKGROUND: Yuv = { y: 16, u: 128, v: 128 };
const TILE_BACKGROUND: Yuv = { y: 40, u: 128, v: 128 };
/** Views and scaled pictures not used for this long are dropped (a listener left, a layout changed). */
const IDLE_MS = 2000;

/**
 * Compositing that does each piece of work once. Each distinct view (output size, layout, tiles and
 * names) keeps its own canvas, and only the tiles whose source has a new frame are drawn again; each
 * source frame is scaled once per picture size, and every view that shows it at that size copies the
 * scaled picture. In a grid every listener's tiles have the same size, so a room of n scales n
 * pictures per frame instead of n·(n−1). The output is byte-identical to `composite()` (tiles of our
 * layouts never overlap, so a tile can be redrawn alone).
 */
export class CompositeCache {
  readonly #sources = new Map<string, Source>();
  readonly #views = new Map<string, View>();
  readonly #scaled = new Map<string, Map<string, Scaled>>();
  readonly #now: () => number;
  #nextVersion = 1;
  #lastSweepMs = 0;
  readonly #stats: CompositeCacheStats = { composites: 0, tilesDrawn: 0, picturesScaled: 0, views: 0, scaledPictures: 0 };

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  get stats(): Readonly<CompositeCacheStats> {
    let scaled = 0;
    for (const m of this.#scaled.values()) scaled += m.size;
    return { ...this.#stats, views: this.#views.size, scaledPictures: scaled };
  }

  /** A source's newest frame (kept, not copied). Throws a RangeError if it is not a well-formed I420 frame. */
  setFrame(sourceId: string, frame: I420Frame): void {
    assertI420(frame);
    this.#sources.set(sourceId, { frame, version: this.#nextVersion++ });
  }

  removeSource(sourceId: string): void {
    this.#sources.delete(sourceId);
    this.#scaled.delete(sourceId);
  }

  /** Draws the view into `out` (any buffer of the right size): `composite(inputs, layout, out, options)`, from the cache. */
  composite(tiles: readonly { sourceId: string; name?: string | undefined }[], layout: Layout, out: I420Frame, options: CompositeOptions = {}): CompositeWork {
    assertI420(out);
    const now = this.#now();
    const key = JSON.stringify([out.width, out.height, layout, tiles.map((t) => [t.sourceId, t.name ?? null]), options]);
    let view = this.#views.get(key);
    if (!view) {
      view = { canvas: createI420(out.width, out.height, options.background ?? BACKGROUND), drawn: layout.map(() => -1), placed: layout.map(() => null), usedMs: now };
      this.#views.set(key, view);
    }
    view.usedMs = now;
    const work: CompositeWork = { tilesDrawn: 0, picturesScaled: 0 };
    const count = Math.min(tiles.length, layout.length);
    for (let i = 0; i < count; i++) {
      const tile = layout[i]!;
      const tileSpec = tiles[i]!;
      const source = this.#sources.get(tileSpec.sourceId);
      const version = source?.version ?? 0;
      if (view.drawn[i] === version || tile.width <= 0 || tile.height <= 0) continue;
      const fit = source ? fitRect(source.frame.width, source.frame.height, tile) : null;
      const rect = fit && fit.width > 0 && fit.height > 0 ? fit : null;
      // The picture covers what it covered last time, so only the letterbox around it shows the background,
      // and that was filled already (the label, drawn the same each time, may overlap it).
      if (!rect || !sameRect(view.placed[i], rect)) fillRect(view.canvas, tile, options.tileBackground ?? TILE_BACKGROUND);
      if (source && rect) copyInto(this.#scaledPicture(tileSpec.sourceId, source, rect.width, rect.height, now, work), view.canvas, rect);
      view.placed[i] = rect;
      if (tileSpec.name) drawLabel(view.canvas, tile, tileSpec.name, options.label);
      view.drawn[i] = version;
      work.tilesDrawn++;
    }
    if (out.data !== view.canvas.data) out.data.set(view.canvas.data);
    this.#stats.composites++;
    this.#stats.tilesDrawn += work.tilesDrawn;
    this.#stats.picturesScaled += work.picturesScaled;
    if (now - this.#lastSweepMs > IDLE_MS / 2) this.#sweep(now);
    return work;
  }

  #scaledPicture(sourceId: string, source: Source, width: number, height: number, now: number, work: CompositeWork): I420Frame {
    let bySize = this.#scaled.get(sourceId);
    if (!bySize) this.#scaled.set(sourceId, (bySize = new Map()));
    const sizeKey = `${width}x${height}`;
    let entry = bySize.get(sizeKey);
    if (!entry) bySize.set(sizeKey, (entry = { version: -1, picture: createI420(width, height), usedMs: now }));
    entry.usedMs = now;
    if (entry.version !== source.version) {
      const from = planes(source.frame);
      const to = planes(entry.picture);
      for (let p = 0; p < 3; p++) scalePlane(from[p]!, to[p]!, { x: 0, y: 0, width: to[p]!.width, height: to[p]!.height });
      entry.version = source.version;
      work.picturesScaled++;
    }
    return entry.picture;
  }

  #sweep(now: number): void {
    this.#lastSweepMs = now;
    for (const [key, view] of this.#views) if (now - view.usedMs > IDLE_MS) this.#views.delete(key);
    for (const [id, bySize] of this.#scaled) {
      for (const [size, entry] of bySize) if (now - entry.usedMs > IDLE_MS) bySize.delete(size);
      if (bySize.size === 0) this.#scaled.delete(id);
    }
  }
}

function sameRect(a: Rect | null | undefined, b: Rect): boolean {
  return !!a && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/** Copies a picture into `rect` of `dst` (same size, even-aligned: the chroma rectangle is exact), plane by plane, row by row. */
function copyInto(picture: I420Frame, dst: I420Frame, rect: Rect): void {
  const from = planes(picture);
  const to = planes(dst);
  for (let p = 0; p < 3; p++) {
    const src = from[p]!;
    const out = to[p]!;
    const x = p === 0 ? rect.x : rect.x >> 1;
    const y = p === 0 ? rect.y : rect.y >> 1;
    const rows = Math.min(src.height, out.height - y);
    const cols = Math.min(src.width, out.width - x);
    if (rows <= 0 || cols <= 0) continue;
    for (let r = 0; r < rows; r++) out.data.set(src.data.subarray(r * src.width, r * src.width + cols), (y + r) * out.width + x);
  }
}
