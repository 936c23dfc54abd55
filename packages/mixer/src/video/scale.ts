import { chromaRect, clipRect, planes, type I420Frame, type Plane, type Rect } from './i420.ts';

/**
 * For each destination coordinate, the first of the two source samples around its centre (the
 * second is the next one: the last interval is taken with weight 256 rather than clamped) and the
 * weight of the second (0–256), so the inner loops do only integer arithmetic and one tap lookup.
 */
function taps(srcSize: number, dstSize: number): { i0: Int32Array; w: Int32Array } {
  const i0 = new Int32Array(dstSize);
  const w = new Int32Array(dstSize);
  const ratio = srcSize / dstSize;
  const last = Math.max(srcSize - 2, 0);
  for (let d = 0; d < dstSize; d++) {
    const s = Math.min(Math.max((d + 0.5) * ratio - 0.5, 0), srcSize - 1);
    const lo = Math.min(Math.floor(s), last);
    i0[d] = lo;
    w[d] = Math.round((s - lo) * 256);
  }
  return { i0, w };
}

/**
 * Bilinear scale of a whole source plane into `dst` (a rectangle of the destination plane; the
 * part outside the plane is not drawn, but the mapping still spans the full rectangle). The hot
 * loop of the compositor (a third of its thread's time): everything it reads is hoisted into locals.
 */
export function scalePlane(src: Plane, dst: Plane, rect: Rect): void {
  if (rect.width <= 0 || rect.height <= 0) return;
  const clip = clipRect(rect, dst.width, dst.height);
  if (clip.width === 0 || clip.height === 0) return;
  if (src.width === 1 || src.height === 1) return scaleDegenerate(src, dst, rect, clip);
  const xs = taps(src.width, rect.width);
  const ys = taps(src.height, rect.height);
  const s = src.data;
  const sw = src.width;
  const d = dst.data;
  const xi = xs.i0;
  const xw = xs.w;
  const txStart = clip.x - rect.x;
  const txEnd = txStart + clip.width;
  const yEnd = clip.y + clip.height;
  for (let dy = clip.y; dy < yEnd; dy++) {
    const ty = dy - rect.y;
    const row0 = ys.i0[ty]! * sw;
    const row1 = row0 + sw;
    const wy = ys.w[ty]!;
    let o = dy * dst.width + clip.x;
    for (let tx = txStart; tx < txEnd; tx++, o++) {
      const x = xi[tx]!;
      const wx = xw[tx]!;
      const a = s[row0 + x]!;
      const top = (a << 8) + (s[row0 + x + 1]! - a) * wx;
      const c = s[row1 + x]!;
      const bottom = (c << 8) + (s[row1 + x + 1]! - c) * wx;
      // top/bottom carry 8 fractional bits; the vertical blend adds 8 more.
      d[o] = ((top << 8) + (bottom - top) * wy + 32_768) >> 16;
    }
  }
}

/** A source one sample wide or high: the same blend, with the missing second sample taken as the first. */
function scaleDegenerate(src: Plane, dst: Plane, rect: Rect, clip: Rect): void {
  const xs = taps(src.width, rect.width);
  const ys = taps(src.height, rect.height);
  const at = (x: number, y: number): number => src.data[Math.min(y, src.height - 1) * src.width + Math.min(x, src.width - 1)]!;
  for (let dy = clip.y; dy < clip.y + clip.height; dy++) {
    const y = ys.i0[dy - rect.y]!;
    const wy = ys.w[dy - rect.y]!;
    for (let dx = clip.x; dx < clip.x + clip.width; dx++) {
      const x = xs.i0[dx - rect.x]!;
      const wx = xs.w[dx - rect.x]!;
      const top = (at(x, y) << 8) + (at(x + 1, y) - at(x, y)) * wx;
      const bottom = (at(x, y + 1) << 8) + (at(x + 1, y + 1) - at(x, y + 1)) * wx;
      dst.data[dy * dst.width + dx] = ((top << 8) + (bottom - top) * wy + 32_768) >> 16;
    }
  }
}

/** Scales the whole of `src` into `rect` (luma coordinates, even-aligned for exact chroma) of `dst`. */
export function blitScaled(src: I420Frame, dst: I420Frame, rect: Rect): void {
  const sp = planes(src);
  const dp = planes(dst);
  scalePlane(sp[0], dp[0], rect);
  const cr = chromaRect(rect);
  scalePlane(sp[1], dp[1], cr);
  scalePlane(sp[2], dp[2], cr);
}
