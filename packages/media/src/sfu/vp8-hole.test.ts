import { describe, expect, it } from 'vitest';
import { newRtpView } from './rtp-view.ts';
import { rtp, vp8Payload } from './packets.test-helper.ts';
import { vp8HoleIsMedia } from './vp8-hole.ts';

/** A VP8 packet of picture `pic`: `start` of the picture, `end` (marker) of it. */
const media = (seq: number, pic: number, start: boolean, end: boolean) => rtp({ ssrc: 1, seq, marker: end, payload: vp8Payload({ pictureId: pic, start }) });
const padding = (seq: number) => rtp({ ssrc: 1, seq, paddingLength: 200 });

function holeIsMedia(packets: Buffer[], hole: number): boolean | undefined {
  const bySeq = new Map(packets.map((p) => [p.readUInt16BE(2), p]));
  return vp8HoleIsMedia((seq) => bySeq.get(seq), hole, { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 });
}

describe('vp8HoleIsMedia', () => {
  it('a hole between a picture that ended and the next that starts was padding', () => {
    expect(holeIsMedia([media(10, 5, true, true), media(12, 6, true, false)], 11)).toBe(false);
    // With padding the publisher did deliver around it, and across the sequence wrap.
    expect(holeIsMedia([media(65534, 5, true, true), padding(65535), padding(1), media(2, 6, true, true)], 0)).toBe(false);
  });

  it('a hole inside a picture, at its end, at the start of the next, or a whole picture skipped, was media', () => {
    expect(holeIsMedia([media(10, 5, true, false), media(12, 5, false, true)], 11)).toBe(true);
    expect(holeIsMedia([media(10, 5, true, false), media(12, 6, true, true)], 11)).toBe(true);
    expect(holeIsMedia([media(10, 5, true, true), media(12, 6, false, true)], 11)).toBe(true);
    expect(holeIsMedia([media(10, 5, true, true), media(12, 7, true, true)], 11)).toBe(true);
    // 15-bit picture ids wrap: 32767 → 1 skips picture 0.
    expect(holeIsMedia([media(10, 32767, true, true), media(12, 1, true, true)], 11)).toBe(true);
    expect(holeIsMedia([media(10, 32767, true, true), media(12, 0, true, true)], 11)).toBe(false);
  });

  it('cannot tell without media packets near the hole, or without picture ids', () => {
    expect(holeIsMedia([media(10, 5, true, true)], 11)).toBeUndefined();
    expect(holeIsMedia([padding(10), padding(12)], 11)).toBeUndefined();
    const noIds = (seq: number, end: boolean) => rtp({ ssrc: 1, seq, marker: end, payload: vp8Payload({}) });
    expect(holeIsMedia([noIds(10, true), noIds(12, true)], 11)).toBeUndefined();
    // A picture id going backwards across the hole: not a hole it can place.
    expect(holeIsMedia([media(10, 9, true, true), media(12, 6, true, true)], 11)).toBeUndefined();
  });
});
