import { chromaRect, clipRect, planes, type I420Frame, type Plane, type Rect } from './i420.ts';

/**
 * For each destination coordinate, the two source samples around its centre and the weight of the
 * second one (0–256), so the inner loops do only integer arithmetic.
 */
function taps(srcSize: number, dstSize: number): { i0: Int32Array; i1: Int32Array; w: Int32Array } {
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const w = new Int32Array(dstSize);
  const ratio = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    const s = Math.min(Math.max((d + 0.5) * ratio - 0.5, 0), srcSize - 1);
    const lo = Math.floor(s);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, srcSize - 1);
    w[d] = Math.round((s - lo) * 256);
  }
  return { i0, i1, w };
}

/**
 * Bilinear scale of a whole source plane into `dst` (a rectangle of the destination plane; the
 * part outside the plane is not drawn, but the mapping still spans the full rectangle).
 */
export function scalePlane(src: Plane, dst: Plane, rect: Rect): void {
  if (rect.width <= 0 || rect.height <= 0) return;
  const clip = clipRect(rect, dst.width, dst.height);
  if (clip.width === 0 || clip.height === 0) return;
  const xs = taps(src.width, rect.width);
  const ys = taps(src.height, rect.height);
  const s = src.data;
  const sw = src.width;
  for (let dy = clip.y; dy < clip.y + clip.height; dy++) {
    const ty = dy - rect.y;
    const row0 = ys.i0[ty]! * sw;
    const row1 = ys.i1[ty]! * sw;
    const wy = ys.w[ty]!;
    let o = dy * dst.width + clip.x;
    for (let dx = clip.x; dx < clip.x + clip.width; dx++, o++) {
      const tx = dx - rect.x;
      const x0 = xs.i0[tx]!;
      const x1 = xs.i1[tx]!;
      const wx = xs.w[tx]!;
      const a = s[row0 + x0]!;
      const top = (a << 8) + (s[row0 + x1]! - a) * wx;
      const c = s[row1 + x0]!;
      const bottom = (c << 8) + (s[row1 + x1]! - c) * wx;
      // top/bottom carry 8 fractional bits; the vertical blend adds 8 more.
      dst.data[o] = ((top << 8) + (bottom - top) * wy + 32_768) >> 16;
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
