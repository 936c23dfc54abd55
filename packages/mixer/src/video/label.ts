import { evenRect } from './fit.ts';
import { ELLIPSIS, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.ts';
import { clipRect, fillRect, planes, type I420Frame, type Rect, type Yuv } from './i420.ts';

export interface LabelStyle {
  /** Glyph cell size in pixels; by default from the tile height (1 below 120 px, up to 4). */
  scale?: number;
  text?: Yuv;
  box?: Yuv;
}

const TEXT: Yuv = { y: 235, u: 128, v: 128 };
const BOX: Yuv = { y: 32, u: 128, v: 128 };

interface LabelGeometry {
  box: Rect;
  text: string;
  scale: number;
}

/** Where a name goes in a tile (bottom left, on a dark box) and how much of it fits. */
export function labelGeometry(tile: Rect, name: string, style: LabelStyle = {}): LabelGeometry | undefined {
  const scale = style.scale ?? Math.max(1, Math.min(4, Math.floor(tile.height / 120) + 1));
  const pad = 2 * scale;
  const advance = (GLYPH_WIDTH + 1) * scale;
  const margin = 2 * scale;
  const room = Math.floor((tile.width - 2 * margin - 2 * pad - 2 + scale) / advance);
  const chars = Array.from(name.trim());
  if (chars.length === 0 || room < 1 || tile.height < GLYPH_HEIGHT * scale + 2 * pad + 2 * margin) return undefined;
  const fitted = chars.length <= room ? chars : [...chars.slice(0, room - 1), ELLIPSIS];
  const text = fitted.join('');
  const width = fitted.length * advance - scale + 2 * pad;
  const height = GLYPH_HEIGHT * scale + 2 * pad;
  const box = evenRect({ x: tile.x + margin, y: tile.y + tile.height - margin - height - 1, width: width + 2, height: height + 2 });
  return { box, text, scale };
}

/** Draws `name` on a dark box at the bottom left of `tile`, truncated with '…' to the tile's width. */
export function drawLabel(frame: I420Frame, tile: Rect, name: string, style: LabelStyle = {}): Rect | undefined {
  const geometry = labelGeometry(tile, name, style);
  if (!geometry) return undefined;
  const { box, text, scale } = geometry;
  fillRect(frame, box, style.box ?? BOX);
  const [luma] = planes(frame);
  const ink = (style.text ?? TEXT).y;
  const pad = 2 * scale;
  let penX = box.x + pad;
  const penY = box.y + pad;
  const bounds = clipRect(box, frame.width, frame.height);
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      const bits = rows[gy]!;
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if ((bits & (1 << (GLYPH_WIDTH - 1 - gx))) === 0) continue;
        fillPlaneCell(luma.data, luma.width, bounds, penX + gx * scale, penY + gy * scale, scale, ink);
      }
    }
    penX += (GLYPH_WIDTH + 1) * scale;
  }
  return box;
}

/** One scale×scale cell of a glyph, on the luma plane only (the box already made the chroma neutral). */
function fillPlaneCell(data: Uint8Array, stride: number, bounds: Rect, x: number, y: number, size: number, value: number): void {
  const x0 = Math.max(x, bounds.x);
  const x1 = Math.min(x + size, bounds.x + bounds.width);
  for (let row = Math.max(y, bounds.y); row < Math.min(y + size, bounds.y + bounds.height); row++) {
    if (x1 > x0) data.fill(value, row * stride + x0, row * stride + x1);
  }
}
