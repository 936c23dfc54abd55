import { describe, expect, it } from 'vitest';
import { vp9Payload } from './packets.test-helper.ts';
import type { Vp8Ids } from './vp8.ts';
import { isVp9KeyframeStart, readVp9Ids, rewriteVp9Descriptor, vp9KeyframeSize } from './vp9.ts';

/** The start of a real VP9 key frame (profile 0, 640×480): frame marker, key frame, sync code 49 83 42 (VP9 §6.2). */
const KEY_HEADER = Buffer.from([0x82, 0x49, 0x83, 0x42, 0x00, 0x27, 0xf0, 0x1d, 0xf6, 0x00, 0x38, 0x24, 0x1c, 0x18]);
/** The start of an inter frame (frame_type 1). */
const INTER_HEADER = Buffer.from([0x86, 0x00, 0x40, 0x92, 0x88, 0x2c, 0x0a, 0x0c]);

const ids = (): Vp8Ids => ({ pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 });
const key = (b: Buffer) => isVp9KeyframeStart(b, 0, b.length);

describe('VP9 payload descriptor (RFC 9628 §4.2)', () => {
  it('reads 15- and 7-bit picture ids, and TL0PICIDX only in non-flexible mode', () => {
    const out = ids();
    readVp9Ids(vp9Payload({ pictureId: 0x1234, layer: { tid: 1, sid: 0 }, tl0PicIdx: 77 }), 0, 30, out);
    expect(out).toEqual({ pictureId: 0x1234, pictureIdBits: 15, tl0PicIdx: 77 });
    readVp9Ids(vp9Payload({ pictureId: 99, pictureIdBits: 7 }), 0, 30, out);
    expect(out).toEqual({ pictureId: 99, pictureIdBits: 7, tl0PicIdx: -1 });
    readVp9Ids(vp9Payload({ pictureId: 5, flexible: true, layer: { tid: 0, sid: 0 } }), 0, 30, out);
    expect(out).toEqual({ pictureId: 5, pictureIdBits: 15, tl0PicIdx: -1 });
  });

  it('finds key frames: B=1 and P=0, spatial layer 0, in non-flexible and flexible mode', () => {
    expect(key(vp9Payload({ pictureId: 300, body: KEY_HEADER }))).toBe(true);
    expect(key(vp9Payload({ pictureId: 300, layer: { tid: 0, sid: 0 }, tl0PicIdx: 4, ss: { width: 640, height: 480 }, body: KEY_HEADER }))).toBe(true);
    expect(key(vp9Payload({ pictureId: 300, flexible: true, layer: { tid: 0, sid: 0 }, body: KEY_HEADER }))).toBe(true);
    expect(key(vp9Payload({ pictureId: 301, inter: true, body: INTER_HEADER }))).toBe(false);
    expect(key(vp9Payload({ pictureId: 301, flexible: true, inter: true, pDiffs: [1, 2], layer: { tid: 0, sid: 0 }, body: INTER_HEADER }))).toBe(false);
    expect(key(vp9Payload({ pictureId: 300, start: false, body: KEY_HEADER }))).toBe(false); // a later packet of the frame
    expect(key(vp9Payload({ pictureId: 300, layer: { tid: 0, sid: 1 }, body: KEY_HEADER }))).toBe(false); // upper spatial layer
  });

  it('returns false, never throws, on empty, truncated and arbitrary payloads', () => {
    const full = vp9Payload({ pictureId: 0x4321, layer: { tid: 0, sid: 0 }, tl0PicIdx: 9, ss: { width: 320, height: 180 }, body: KEY_HEADER.subarray(0, 1) });
    // Descriptor: 1 + 2 (picture id) + 2 (layer indices, TL0PICIDX) = 5 bytes; every prefix up to it is no key frame.
    for (let n = 0; n <= 5; n++) expect(key(full.subarray(0, n)), `${n} bytes`).toBe(false);
    expect(key(full)).toBe(true);
    expect(isVp9KeyframeStart(full, 4, 2)).toBe(false); // offset past the end
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: i % 9 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
      expect(() => {
        key(b);
        vp9KeyframeSize(b, 0, b.length);
        rewriteVp9Descriptor(Buffer.from(b), 0, 123, 45);
      }).not.toThrow();
    }
  });

  it('reads the resolution from a key frame\'s scalability structure (§4.2.1)', () => {
    const b = vp9Payload({ pictureId: 1, layer: { tid: 0, sid: 0 }, ss: { width: 1280, height: 720 }, body: KEY_HEADER });
    expect(vp9KeyframeSize(b, 0, b.length)).toEqual({ width: 1280, height: 720 });
    const noSs = vp9Payload({ pictureId: 1, body: KEY_HEADER });
    expect(vp9KeyframeSize(noSs, 0, noSs.length)).toBeUndefined();
    expect(vp9KeyframeSize(b, 0, 6)).toBeUndefined(); // SS cut short
  });

  it('rewrites the picture id in its own width and TL0PICIDX, and nothing else', () => {
    const b = vp9Payload({ pictureId: 0x7ffe, layer: { tid: 2, sid: 0 }, tl0PicIdx: 250, body: INTER_HEADER, inter: true });
    const before = Buffer.from(b);
    rewriteVp9Descriptor(b, 0, 0x0102, 3);
    const out = ids();
    readVp9Ids(b, 0, b.length, out);
    expect(out).toEqual({ pictureId: 0x0102, pictureIdBits: 15, tl0PicIdx: 3 });
    expect(b[0]).toBe(before[0]);
    expect(b[3]).toBe(before[3]); // TID|U|SID|D
    expect(b.subarray(5)).toEqual(before.subarray(5));
    const short = vp9Payload({ pictureId: 100, pictureIdBits: 7, flexible: true, layer: { tid: 0, sid: 0 } });
    rewriteVp9Descriptor(short, 0, 0x1ff, 9);
    readVp9Ids(short, 0, short.length, out);
    expect(out).toEqual({ pictureId: 0x7f, pictureIdBits: 7, tl0PicIdx: -1 });
  });
});
