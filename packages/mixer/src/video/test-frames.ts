import { createI420, planes, rgbToYuv, type I420Frame, type Rect, type Yuv } from './i420.ts';

/** Test helpers: solid-colour frames and reading pixels back. Not exported from the package. */
export const RED = rgbToYuv(220, 30, 30);
export const GREEN = rgbToYuv(30, 200, 60);
export const BLUE = rgbToYuv(40, 60, 220);
export const YELLOW = rgbToYuv(230, 220, 40);
export const MAGENTA = rgbToYuv(200, 40, 200);
export const COLOURS = [RED, GREEN, BLUE, YELLOW, MAGENTA];

export function solid(width: number, height: number, colour: Yuv): I420Frame {
  return createI420(width, height, colour);
}

/** The (Y, U, V) at luma position (x, y). */
export function pixel(frame: I420Frame, x: number, y: number): Yuv {
  const [py, pu, pv] = planes(frame);
  const c = (y >> 1) * pu.width + (x >> 1);
  return { y: py.data[y * py.width + x]!, u: pu.data[c]!, v: pv.data[c]! };
}

export function centre(r: Rect): [number, number] {
  return [r.x + (r.width >> 1), r.y + (r.height >> 1)];
}

/** Luma positions where two frames of the same size differ. */
export function lumaDiff(a: I420Frame, b: I420Frame): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) if (a.data[y * a.width + x] !== b.data[y * a.width + x]) out.push({ x, y });
  }
  return out;
}
