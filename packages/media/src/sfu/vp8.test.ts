import { describe, expect, it } from 'vitest';
import { rtpHeaderLength } from '../rtp.ts';
import { rtp, vp8Payload } from './packets.test-helper.ts';
import { Vp8IdMap, isVp8Keyframe, parseVp8Descriptor, rewriteVp8Descriptor, vp8KeyframeSize } from './vp8.ts';

describe('parseVp8Descriptor (RFC 7741 §4.2)', () => {
  it('reads the one-byte form', () => {
    expect(parseVp8Descriptor(Buffer.from([0x10, 0x00]))).toEqual({ startOfPartition: true, partitionId: 0, headerLength: 1 });
    expect(parseVp8Descriptor(Buffer.from([0x03, 0x00]))).toEqual({ startOfPartition: false, partitionId: 3, headerLength: 1 });
  });

  it('reads a 15-bit PictureID, TL0PICIDX and TID/KEYIDX', () => {
    const d = parseVp8Descriptor(vp8Payload({ pictureId: 0x1234, tl0PicIdx: 200, temporalId: 2, keyIdx: 5 }));
    expect(d).toEqual({ startOfPartition: true, partitionId: 0, pictureId: 0x1234, pictureIdBits: 15, tl0PicIdx: 200, temporalId: 2, keyIdx: 5, headerLength: 6 });
  });

  it('reads a 7-bit PictureID at an offset', () => {
    const payload = Buffer.concat([Buffer.from([0xee, 0xee]), vp8Payload({ pictureId: 0x55, pictureIdBits: 7 })]);
    expect(parseVp8Descriptor(payload, 2)).toMatchObject({ pictureId: 0x55, pictureIdBits: 7, headerLength: 3 });
  });

  it('refuses descriptors that run past the payload or leave no VP8 data', () => {
    expect(parseVp8Descriptor(Buffer.alloc(0))).toBeUndefined();
    expect(parseVp8Descriptor(Buffer.from([0x90]))).toBeUndefined(); // X set, no X byte
    expect(parseVp8Descriptor(Buffer.from([0x90, 0x80, 0x81]))).toBeUndefined(); // M set, one PictureID byte
    expect(parseVp8Descriptor(Buffer.from([0x90, 0x40, 0x07]))).toBeUndefined(); // nothing after TL0PICIDX
    expect(parseVp8Descriptor(Buffer.from([0x10]))).toBeUndefined();
  });
});

describe('key frames (RFC 7741 §4.3, RFC 6386 §9.1)', () => {
  const packet = (payload: Buffer): { buf: Buffer; at: number } => {
    const buf = rtp({ ssrc: 1, seq: 1, payload });
    return { buf, at: rtpHeaderLength(buf) };
  };

  it('detects the first packet of a key frame and reads its size with the scale bits masked off', () => {
    const { buf, at } = packet(vp8Payload({ pictureId: 7, tl0PicIdx: 1, keyframe: true, width: 1280, height: 720 }));
    // The frame tag's P bit (bit 0 of its first byte) is 0 and the start code follows it.
    expect(buf[at + 5]! & 1).toBe(0);
    expect([...buf.subarray(at + 8, at + 11)]).toEqual([0x9d, 0x01, 0x2a]);
    expect(isVp8Keyframe(buf, at)).toBe(true);
    expect(vp8KeyframeSize(buf, at)).toEqual({ width: 1280, height: 720 });
  });

  it('says no for delta frames, continuation packets and other partitions', () => {
    const delta = packet(vp8Payload({ keyframe: false }));
    expect(isVp8Keyframe(delta.buf, delta.at)).toBe(false);
    expect(vp8KeyframeSize(delta.buf, delta.at)).toBeUndefined();
    const middle = packet(vp8Payload({ keyframe: true, start: false }));
    expect(isVp8Keyframe(middle.buf, middle.at)).toBe(false);
    const partition1 = packet(vp8Payload({ keyframe: true, partitionId: 1 }));
    expect(isVp8Keyframe(partition1.buf, partition1.at)).toBe(false);
  });

  it('gives no size without the start code or when truncated', () => {
    const good = vp8Payload({ keyframe: true });
    const noStartCode = Buffer.from(good);
    noStartCode[4] = 0x00; // descriptor 1 byte + tag 3 bytes, then 9d
    expect(vp8KeyframeSize(noStartCode, 0)).toBeUndefined();
    expect(vp8KeyframeSize(good.subarray(0, 8), 0)).toBeUndefined();
    expect(vp8KeyframeSize(good, 0)).toEqual({ width: 640, height: 480 });
  });
});

describe('rewriteVp8Descriptor', () => {
  it('rewrites PictureID and TL0PICIDX in place, leaving the rest', () => {
    const p = vp8Payload({ pictureId: 0x1234, tl0PicIdx: 9, temporalId: 1, keyframe: true });
    const before = Buffer.from(p);
    rewriteVp8Descriptor(p, 0, 0x7ffe, 250);
    expect(parseVp8Descriptor(p)).toMatchObject({ pictureId: 0x7ffe, pictureIdBits: 15, tl0PicIdx: 250, temporalId: 1 });
    expect(p.subarray(6)).toEqual(before.subarray(6));
  });

  it('writes 7-bit ids modulo 128 and skips absent fields', () => {
    const p = vp8Payload({ pictureId: 3, pictureIdBits: 7 });
    rewriteVp8Descriptor(p, 0, 130, 77);
    expect(parseVp8Descriptor(p)).toMatchObject({ pictureId: 2, pictureIdBits: 7 });
    expect(parseVp8Descriptor(p)?.tl0PicIdx).toBeUndefined();
    const plain = vp8Payload();
    const copy = Buffer.from(plain);
    rewriteVp8Descriptor(plain, 0, 5, 5);
    expect(plain).toEqual(copy);
  });
});

describe('Vp8IdMap', () => {
  it('continues picture ids and TL0PICIDX across a change of source', () => {
    const map = new Vp8IdMap();
    const ids = (pictureId: number, tl0PicIdx: number): { pictureId: number; pictureIdBits: number; tl0PicIdx: number } => ({ pictureId, pictureIdBits: 15, tl0PicIdx });
    map.anchor(ids(32760, 254));
    expect(map.pictureId(ids(32760, 254))).toBe(32760);
    expect(map.pictureId(ids(32767, 255))).toBe(32767);
    expect(map.tl0PicIdx(ids(32767, 255))).toBe(255);
    map.anchor(ids(100, 40)); // another simulcast layer
    expect(map.pictureId(ids(100, 40))).toBe(0); // 32767 + 1 wraps
    expect(map.tl0PicIdx(ids(100, 40))).toBe(0);
    expect(map.pictureId(ids(101, 40))).toBe(1);
    expect(map.pictureId({ pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 })).toBe(-1);
  });
});
