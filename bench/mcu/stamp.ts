/**
 * A send time drawn into a picture and read back from a composite: 24 bits of milliseconds (CLOCK_MONOTONIC, the
 * same clock in every process of the machine) and an 8-bit check, as 32 black or white luma blocks in two rows
 * across the top of the picture. Blocks are a sixteenth of the width: still ≈ 20 px after the grid halves the
 * picture, far above what VP8 blurs at these bitrates.
 */
import { fitRect, type I420Frame, type Rect } from '@parley/mixer';

const COLS = 16;
const ROWS = 2;
const WHITE = 235;
const BLACK = 16;
export const STAMP_MODULO = 1 << 24;

/** Milliseconds on CLOCK_MONOTONIC (process.hrtime): comparable across the bench's processes. */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

function check(value: number): number {
  return ((value ^ (value >>> 8) ^ (value >>> 16)) & 0xff) ^ 0x5a;
}

function blockSize(width: number, height: number): { w: number; h: number } {
  return { w: Math.floor(width / COLS), h: Math.max(2, Math.floor(height / 9)) };
}

/** Draws `ms` (mod 2^24) into the luma plane of `frame`. */
export function drawStamp(frame: I420Frame, ms: number): void {
  const value = Math.floor(ms) % STAMP_MODULO;
  const word = value * 256 + check(value);
  const { w, h } = blockSize(frame.width, frame.height);
  for (let i = 0; i < COLS * ROWS; i++) {
    const bit = Math.floor(word / 2 ** (31 - i)) % 2;
    const x0 = (i % COLS) * w;
    const y0 = Math.floor(i / COLS) * h;
    for (let y = y0; y < y0 + h; y++) frame.data.fill(bit ? WHITE : BLACK, y * frame.width + x0, y * frame.width + x0 + w);
  }
}

/**
 * The stamp of a picture of `srcWidth`×`srcHeight` shown in `tile` of a composite (letterboxed as the mixer does),
 * or undefined when it does not read back (a tile without that picture, or a frame mid-change).
 */
export function readStamp(composite: I420Frame, tile: Rect, srcWidth: number, srcHeight: number): number | undefined {
  const picture = fitRect(srcWidth, srcHeight, tile);
  if (picture.width === 0) return undefined;
  const { w, h } = blockSize(srcWidth, srcHeight);
  const sx = picture.width / srcWidth;
  const sy = picture.height / srcHeight;
  let word = 0;
  for (let i = 0; i < COLS * ROWS; i++) {
    const cx = Math.round(picture.x + ((i % COLS) * w + w / 2) * sx);
    const cy = Math.round(picture.y + (Math.floor(i / COLS) * h + h / 2) * sy);
    let sum = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += composite.data[(cy + dy) * composite.width + cx + dx] ?? 0;
    word = word * 2 + (sum / 9 > (WHITE + BLACK) / 2 ? 1 : 0);
  }
  const value = Math.floor(word / 256);
  return check(value) === word % 256 ? value : undefined;
}

/** Milliseconds from a stamp to `nowMs` (mod 2^24). */
export function ageMs(stamp: number, nowMs: number): number {
  return (((Math.floor(nowMs) - stamp) % STAMP_MODULO) + STAMP_MODULO) % STAMP_MODULO;
}
