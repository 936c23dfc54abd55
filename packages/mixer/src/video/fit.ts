import type { Rect } from './i420.ts';

const even = (n: number): number => Math.max(0, Math.floor(n / 2) * 2);

/** `r` shrunk to even position and size, so its chroma rectangle is exact. */
export function evenRect(r: Rect): Rect {
  const x = Math.ceil(r.x / 2) * 2;
  const y = Math.ceil(r.y / 2) * 2;
  return { x, y, width: even(r.x + r.width - x), height: even(r.y + r.height - y) };
}

/**
 * The largest rectangle with the source's aspect ratio that fits in `area`, centred (letterbox or
 * pillarbox), even-aligned. Empty when the area or the source is empty.
 */
export function fitRect(srcWidth: number, srcHeight: number, area: Rect): Rect {
  const a = evenRect(area);
  if (srcWidth <= 0 || srcHeight <= 0 || a.width === 0 || a.height === 0) return { x: a.x, y: a.y, width: 0, height: 0 };
  const scale = Math.min(a.width / srcWidth, a.height / srcHeight);
  const width = Math.min(a.width, even(Math.round(srcWidth * scale)));
  const height = Math.min(a.height, even(Math.round(srcHeight * scale)));
  return { x: a.x + even((a.width - width) / 2), y: a.y + even((a.height - height) / 2), width, height };
}
