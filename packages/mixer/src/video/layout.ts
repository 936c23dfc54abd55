import { evenRect } from './fit.ts';
import type { Rect } from './i420.ts';

export interface LayoutOptions {
  /** Space between tiles and around the edge, in pixels (rounded to even). */
  gapPx?: number;
}

/** Tile rectangles in input order; `tiles[i]` is where input i goes. */
export type Layout = Rect[];

const DEFAULT_GAP = 4;

function checkArgs(n: number, width: number, height: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`tile count must be a non-negative integer, got ${n}`);
  if (!(width > 0 && height > 0)) throw new RangeError(`canvas must be non-empty, got ${width}x${height}`);
}

/**
 * `count` equal tiles of `tileWidth`×`tileHeight` in a row centred on `centreX`, at `y`, each
 * separated by `gap`.
 */
function row(count: number, centreX: number, y: number, tileWidth: number, tileHeight: number, gap: number): Rect[] {
  const total = count * tileWidth + (count - 1) * gap;
  const x0 = centreX - total / 2;
  return Array.from({ length: count }, (_, i) => evenRect({ x: x0 + i * (tileWidth + gap), y, width: tileWidth, height: tileHeight }));
}

/**
 * A grid that adapts to the number of participants: ceil(√n) columns, as many rows as needed,
 * equal tiles; a partial last row is centred, and the whole grid is centred vertically.
 */
export function gridLayout(n: number, width: number, height: number, options: LayoutOptions = {}): Layout {
  checkArgs(n, width, height);
  if (n === 0) return [];
  const gap = Math.floor((options.gapPx ?? DEFAULT_GAP) / 2) * 2;
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const tileWidth = (width - (cols + 1) * gap) / cols;
  const tileHeight = (height - (rows + 1) * gap) / rows;
  const tiles: Rect[] = [];
  for (let r = 0; r < rows; r++) {
    const count = Math.min(cols, n - r * cols);
    tiles.push(...row(count, width / 2, gap + r * (tileHeight + gap), tileWidth, tileHeight, gap));
  }
  return tiles;
}

/**
 * Active speaker: input 0 large on top, the others in one strip along the bottom (a fifth of the
 * height, tiles at most 16:9 wide, centred). One input fills the canvas.
 */
export function speakerLayout(n: number, width: number, height: number, options: LayoutOptions = {}): Layout {
  checkArgs(n, width, height);
  if (n === 0) return [];
  const gap = Math.floor((options.gapPx ?? DEFAULT_GAP) / 2) * 2;
  if (n === 1) return [evenRect({ x: gap, y: gap, width: width - 2 * gap, height: height - 2 * gap })];
  const stripHeight = Math.max(2, Math.floor(height / 5));
  const others = n - 1;
  const tileWidth = Math.min((width - (others + 1) * gap) / others, (stripHeight * 16) / 9);
  const speaker = evenRect({ x: gap, y: gap, width: width - 2 * gap, height: height - stripHeight - 3 * gap });
  const stripY = height - stripHeight - gap;
  return [speaker, ...row(others, width / 2, stripY, tileWidth, stripHeight, gap)];
}
