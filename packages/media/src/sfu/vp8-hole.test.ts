import { describe, expect, it } from 'vitest';
import { newRtpView } from './rtp-view.ts';
import { rtp, vp8Payload } from './packets.test-helper.ts';
import { vp8Hole, type Vp8Hole } from './vp8-hole.ts';

/** A VP8 packet of picture `pic`: `start` of the picture, `end` (marker) of it. */
const media = (seq: number, pic: number, start: boolean, end: boolean) => rtp({ ssrc: 1, seq, marker: end, payload: vp8Payload({ pictureId: pic, start }) });
const padding = (seq: number) => rtp({ ssrc: 1, seq, paddingLength: 200 });

function verdict(packets: Buffer[], hole: number): Vp8Hole | undefined {
  const bySeq = new Map(packets.map((p) => [p.readUInt16BE(2), p]));
  return vp8Hole((seq) => bySeq.get(seq), hole, { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 });
}

/** The media/padding verdict alone (these pictures carry no temporal ids: media is always `base`). */
function holeIsMedia(packets: Buffer[], hole: number): boolean | undefined {
  const v = verdict(packets, hole);
  return v === undefined ? undefined : v !== 'padding';
}

/** A packet of picture `pic` in temporal layer `tid` with TL0PICIDX `tl0`. */
const layered = (seq: number, pic: number, tid: number, tl0: number, start: boolean, end: boolean) =>
  rtp({ ssrc: 1, seq, marker: end, payload: vp8Payload({ pictureId: pic, tl0PicIdx: tl0, temporalId: tid, start }) });

describe('vp8Hole', () => {
  it('tells media of upper temporal layers from media that may be of the base layer (libwebrtc pattern 0 2 1 2)', () => {
    // Pictures 10 (TL0, tl0 7), 11 (TL2), 12 (TL1), 13 (TL2), 14 (TL0, tl0 8); two packets each, seq 2 × pic.
    const call = [0, 2, 1, 2, 0].flatMap((tid, i) => {
      const pic = 10 + i;
      const tl0 = i === 4 ? 8 : 7;
      return [layered(2 * pic, pic, tid, tl0, true, false), layered(2 * pic + 1, pic, tid, tl0, false, true)];
    });
    const without = (...seqs: number[]) => call.filter((p) => !seqs.includes(p.readUInt16BE(2)));
    expect(verdict(without(21), 21)).toBe('base'); // the end of picture 10 (TL0)
    expect(verdict(without(23), 23)).toBe('upper'); // the end of picture 11 (TL2)
    expect(verdict(without(24), 24)).toBe('upper'); // the start of picture 12 (TL1)
    expect(verdict(without(28), 28)).toBe('base'); // the start of picture 14 (TL0)
    // Whole pictures 11-13 lost: TL0PICIDX 7 → 8 is picture 14 itself, so no base picture among them.
    expect(verdict(without(22, 23, 24, 25, 26, 27), 24)).toBe('upper');
    // Pictures 14 lost whole, 15 (TL2, tl0 8) after it: TL0PICIDX moved with nothing base on either side.
    const next = [...without(28, 29), layered(30, 15, 2, 8, true, true)];
    expect(verdict(next, 28)).toBe('base');
  });


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
