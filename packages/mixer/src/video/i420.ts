/**
 * I420 (YUV 4:2:0 planar), what libwebrtc's video sinks and sources exchange: a full-size Y plane,
 * then U and V at half width and half height (rounded up), each tightly packed.
 */
export interface I420Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A colour as BT.601 limited-range Y'CbCr. */
export interface Yuv {
  y: number;
  u: number;
  v: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Plane {
  data: Uint8Array;
  width: number;
  height: number;
}

export const BLACK: Yuv = { y: 16, u: 128, v: 128 };

export function chromaSize(width: number, height: number): { width: number; height: number } {
  return { width: (width + 1) >> 1, height: (height + 1) >> 1 };
}

export function i420ByteLength(width: number, height: number): number {
  const c = chromaSize(width, height);
  return width * height + 2 * c.width * c.height;
}

/** A new frame filled with `colour` (black by default). */
export function createI420(width: number, height: number, colour: Yuv = BLACK): I420Frame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`frame size must be positive integers, got ${width}x${height}`);
  }
  const frame = { width, height, data: new Uint8Array(i420ByteLength(width, height)) };
  fillRect(frame, { x: 0, y: 0, width, height }, colour);
  return frame;
}

/** Throws unless `frame.data` is exactly the size its dimensions call for. */
export function assertI420(frame: I420Frame): void {
  const expected = i420ByteLength(frame.width, frame.height);
  if (frame.data.length !== expected) {
    throw new RangeError(`an I420 ${frame.width}x${frame.height} frame holds ${expected} bytes, got ${frame.data.length}`);
  }
}

/** Views of the three planes (no copy). */
export function planes(frame: I420Frame): [Plane, Plane, Plane] {
  const { width, height, data } = frame;
  const c = chromaSize(width, height);
  const ySize = width * height;
  const cSize = c.width * c.height;
  return [
    { data: data.subarray(0, ySize), width, height },
    { data: data.subarray(ySize, ySize + cSize), width: c.width, height: c.height },
    { data: data.subarray(ySize + cSize, ySize + 2 * cSize), width: c.width, height: c.height },
  ];
}

/** The chroma-plane rectangle covering a luma rectangle (exact for even-aligned rectangles). */
export function chromaRect(r: Rect): Rect {
  const x = r.x >> 1;
  const y = r.y >> 1;
  return { x, y, width: ((r.x + r.width + 1) >> 1) - x, height: ((r.y + r.height + 1) >> 1) - y };
}

/** `r` clipped to a plane of the given size. */
export function clipRect(r: Rect, width: number, height: number): Rect {
  const x = Math.max(0, r.x);
  const y = Math.max(0, r.y);
  return { x, y, width: Math.max(0, Math.min(width, r.x + r.width) - x), height: Math.max(0, Math.min(height, r.y + r.height) - y) };
}

function fillPlane(p: Plane, r: Rect, value: number): void {
  const c = clipRect(r, p.width, p.height);
  for (let row = c.y; row < c.y + c.height; row++) {
    const start = row * p.width + c.x;
    p.data.fill(value, start, start + c.width);
  }
}

/** Paints a luma-coordinate rectangle (clipped to the frame). */
export function fillRect(frame: I420Frame, r: Rect, colour: Yuv): void {
  const [y, u, v] = planes(frame);
  fillPlane(y, r, colour.y);
  const cr = chromaRect(r);
  fillPlane(u, cr, colour.u);
  fillPlane(v, cr, colour.v);
}

/** BT.601 limited range, from 8-bit sRGB-ish RGB. */
export function rgbToYuv(r: number, g: number, b: number): Yuv {
  const clamp = (x: number): number => Math.max(0, Math.min(255, Math.round(x)));
  return {
    y: clamp(16 + 0.257 * r + 0.504 * g + 0.098 * b),
    u: clamp(128 - 0.148 * r - 0.291 * g + 0.439 * b),
    v: clamp(128 + 0.439 * r - 0.368 * g - 0.071 * b),
  };
}
