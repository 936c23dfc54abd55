import { describe, expect, it } from 'vitest';
import { isH264KeyframeStart, isVp9KeyframeStart } from './keyframe.ts';

const at = (bytes: number[]): [Buffer, number, number] => {
  const b = Buffer.from(bytes);
  return [b, 0, b.length];
};

describe('H.264 key frames (RFC 6184)', () => {
  it('accepts an IDR slice or SPS as a single NAL unit, nothing else', () => {
    expect(isH264KeyframeStart(...at([0x65, 0x88]))).toBe(true); // nal_unit_type 5
    expect(isH264KeyframeStart(...at([0x67, 0x42]))).toBe(true); // 7: SPS
    expect(isH264KeyframeStart(...at([0x41, 0x9a]))).toBe(false); // 1: non-IDR slice
  });

  it('looks inside STAP-A aggregates (§5.7.1)', () => {
    // STAP-A (24): [size 2][SPS 0x67 ..], [size 2][PPS 0x68 ..]
    expect(isH264KeyframeStart(...at([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce]))).toBe(true);
    expect(isH264KeyframeStart(...at([0x78, 0x00, 0x02, 0x68, 0xce]))).toBe(false);
    expect(isH264KeyframeStart(...at([0x78, 0x00, 0x09, 0x67]))).toBe(false); // size past the end
  });

  it('accepts only the first FU-A fragment of an IDR (§5.8)', () => {
    expect(isH264KeyframeStart(...at([0x7c, 0x85, 0x00]))).toBe(true); // S=1, type 5
    expect(isH264KeyframeStart(...at([0x7c, 0x05, 0x00]))).toBe(false); // continuation
    expect(isH264KeyframeStart(...at([0x7c, 0x81, 0x00]))).toBe(false); // S=1, type 1
  });
});

describe('VP9 key frames (RFC 9628 §4.2)', () => {
  it('needs B=1 and P=0, and spatial layer 0 when layer indices are present', () => {
    expect(isVp9KeyframeStart(...at([0x08, 0x00]))).toBe(true); // B
    expect(isVp9KeyframeStart(...at([0x48, 0x00]))).toBe(false); // P B
    expect(isVp9KeyframeStart(...at([0x00, 0x00]))).toBe(false); // not the start
    // I L B: 15-bit picture id (M), then TID|U|SID|D with SID 0, then SID 1.
    expect(isVp9KeyframeStart(...at([0xa8, 0x80, 0x01, 0x00, 0x00]))).toBe(true);
    expect(isVp9KeyframeStart(...at([0xa8, 0x80, 0x01, 0x02, 0x00]))).toBe(false);
  });
});
