import { describe, expect, it } from 'vitest';
import { parseVp8Descriptor } from '@parley/media';
import { TRAILER_LENGTH, isVp8KeyStart, opusPayload, readTrailer, vp8FramePayloads, writeTrailer } from './payload.ts';

describe('bench trailer', () => {
  it('round-trips publisher, track, key flag, sequence and a 64-bit send time', () => {
    const p = Buffer.alloc(64, 0xaa);
    const t = { publisher: 513, track: 1, key: true, seq: 0xfffffffe, sentNs: 123_456_789_012_345n };
    writeTrailer(p, t);
    expect(readTrailer(p, 0, p.length)).toEqual(t);
    // The bytes before the trailer are untouched.
    expect(p.subarray(0, 64 - TRAILER_LENGTH).every((b) => b === 0xaa)).toBe(true);
  });

  it('finds nothing without the magic or when the payload is shorter than a trailer', () => {
    expect(readTrailer(Buffer.alloc(64), 0, 64)).toBeUndefined();
    const p = Buffer.alloc(40);
    writeTrailer(p, { publisher: 1, track: 0, key: false, seq: 1, sentNs: 1n });
    expect(readTrailer(p, 25, 40)).toBeUndefined();
    expect(readTrailer(p, 20, 40)?.seq).toBe(1);
  });
});

describe('VP8 frames', () => {
  it('starts a key frame with S=1, the picture id, P=0 and the RFC 6386 start code and size', () => {
    const [first, second] = vp8FramePayloads({ pictureId: 300, key: true, packets: 2, payloadBytes: 100, width: 1280, height: 720 });
    const d = parseVp8Descriptor(first as Buffer);
    expect(d).toMatchObject({ startOfPartition: true, partitionId: 0, pictureId: 300, headerLength: 4 });
    expect([...(first as Buffer).subarray(7, 10)]).toEqual([0x9d, 0x01, 0x2a]);
    expect((first as Buffer).readUInt16LE(10)).toBe(1280);
    expect((first as Buffer).readUInt16LE(12)).toBe(720);
    expect(isVp8KeyStart(first as Buffer)).toBe(true);
    expect(parseVp8Descriptor(second as Buffer)?.startOfPartition).toBe(false);
    expect(isVp8KeyStart(second as Buffer)).toBe(false);
  });

  it('marks inter frames with P=1 and keeps 15-bit picture ids in range', () => {
    const [first] = vp8FramePayloads({ pictureId: 0x8001, key: false, packets: 1, payloadBytes: 60 });
    expect(isVp8KeyStart(first as Buffer)).toBe(false);
    expect(parseVp8Descriptor(first as Buffer)?.pictureId).toBe(1);
  });

  it('refuses payloads too small for descriptor, header and trailer, and empty frames', () => {
    expect(() => vp8FramePayloads({ pictureId: 1, key: true, packets: 1, payloadBytes: 20 })).toThrow(RangeError);
    expect(() => vp8FramePayloads({ pictureId: 1, key: true, packets: 0, payloadBytes: 100 })).toThrow(RangeError);
    expect(() => opusPayload(10)).toThrow(RangeError);
  });

  it('writes an Opus TOC byte for a 20 ms CELT frame', () => {
    const p = opusPayload(100);
    expect(p.length).toBe(100);
    expect((p[0] as number) >> 3).toBe(31);
  });
});
