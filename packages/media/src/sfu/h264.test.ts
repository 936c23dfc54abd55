import { describe, expect, it } from 'vitest';
import { isH264KeyframeStart } from './h264.ts';

const key = (bytes: number[] | Buffer) => {
  const b = Buffer.from(bytes);
  return isH264KeyframeStart(b, 0, b.length);
};

// Real NAL units as Chromium's OpenH264 encoder writes them (constrained baseline, level 3.1):
// NAL header F(1) NRI(2) Type(5), then the RBSP.
const SPS = [0x67, 0x42, 0xc0, 0x1f, 0x8c, 0x8d, 0x40, 0x50, 0x1e, 0xd0, 0x0f, 0x08, 0x84, 0x6a];
const PPS = [0x68, 0xce, 0x3c, 0x80];
const IDR = [0x65, 0xb8, 0x00, 0x04, 0x00, 0x00, 0x13, 0x88];
const NON_IDR = [0x41, 0x9a, 0x02, 0x04, 0x61];
const SEI = [0x06, 0x05, 0x01, 0x80];
const stapA = (...nals: number[][]) => [0x78, ...nals.flatMap((n) => [n.length >> 8, n.length & 0xff, ...n])];
/** FU-A (RFC 6184 §5.8): FU indicator (NRI of the NAL, type 28), FU header S|E|R|Type, a fragment of the NAL body. */
const fuA = (nal: number[], start: boolean, end: boolean) => [((nal[0] as number) & 0x60) | 28, (start ? 0x80 : 0) | (end ? 0x40 : 0) | ((nal[0] as number) & 0x1f), ...nal.slice(1, 5)];

describe('H.264 key frames (RFC 6184)', () => {
  it('single NAL unit packets: an IDR slice or an SPS, nothing else', () => {
    expect(key(IDR)).toBe(true);
    expect(key(SPS)).toBe(true);
    expect(key(PPS)).toBe(false);
    expect(key(NON_IDR)).toBe(false);
    expect(key(SEI)).toBe(false);
  });

  it('STAP-A (§5.7.1): a key NAL anywhere in the aggregate', () => {
    expect(key(stapA(SPS, PPS))).toBe(true);
    expect(key(stapA(SEI, PPS, IDR))).toBe(true);
    expect(key(stapA(SEI, NON_IDR))).toBe(false);
  });

  it('FU-A (§5.8): only the first fragment of an IDR slice', () => {
    expect(key(fuA(IDR, true, false))).toBe(true);
    expect(key(fuA(IDR, false, false))).toBe(false);
    expect(key(fuA(IDR, false, true))).toBe(false);
    expect(key(fuA(NON_IDR, true, false))).toBe(false);
  });

  it('returns false, never throws, on empty, truncated, reserved and arbitrary payloads', () => {
    expect(key([])).toBe(false);
    expect(key([0x7c])).toBe(false); // FU indicator without FU header
    expect(key([0x78])).toBe(false); // STAP-A without units
    expect(key([0x78, 0x00])).toBe(false);
    expect(key([0x78, 0x00, 0x0e, 0x67, 0x42])).toBe(false); // size past the end
    expect(key([0x78, 0x00, 0x00, 0x67])).toBe(false); // zero size
    const stap = stapA(SEI, IDR);
    for (let n = 0; n < 8; n++) expect(key(stap.slice(0, n)), `${n} bytes`).toBe(false);
    for (const type of [0, 25, 26, 27, 29, 30, 31]) expect(key([0x60 | type, 0x85, 0x00])).toBe(false);
    expect(isH264KeyframeStart(Buffer.from(IDR), 3, 2)).toBe(false);
    expect(isH264KeyframeStart(Buffer.from(IDR), 0, 99)).toBe(false); // end past the buffer
    let seed = 11;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: i % 12 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
      expect(() => key(b)).not.toThrow();
    }
  });
});
