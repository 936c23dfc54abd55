import { addSeq } from '../seq.ts';
import { readRtpView, type RtpView } from './rtp-view.ts';
import { isVp8FrameStart, readVp8Ids, type Vp8Ids } from './vp8.ts';

/** How far either side of a hole to look for the nearest packet that carried media. */
const SCAN = 16;

interface Side {
  pictureId: number;
  pictureIdBits: number;
  /** TL0PICIDX and TID (RFC 7741 §4.2), -1 when the descriptor has none. */
  tl0PicIdx: number;
  temporalId: number;
  marker: boolean;
  start: boolean;
}

/**
 * What a hole the publisher never filled was: `padding`; media of frames in VP8 temporal layers above the base only
 * (`upper`: the frames after them that reference only the base layer decode, the next base frame resyncs the rest);
 * or media that may be of the base layer (`base`: nothing of that layer decodes past it until a key frame).
 */
export type Vp8Hole = 'padding' | 'upper' | 'base';

/**
 * What a VP8 packet the publisher never resent (`seq`) was, from the nearest cached packets around it that carried
 * media (padding-only ones skipped): the same picture on both sides, or a picture id skipped, or the picture before
 * not ended or the one after not started, means media is missing. Consecutive pictures, the first ended (marker) and
 * the next starting, mean nothing of the media is missing: the hole was padding, which Chrome sends on the media SSRC
 * without RTX and never resends. The damaged pictures are the one before (not ended), the one after (not started)
 * and any skipped between; their temporal ids say whether the base layer is among them (a skipped base picture shows
 * as a TL0PICIDX that moved by more than the pictures on either side account for). Without temporal ids the stream
 * has one layer: `base`. Undefined when it cannot tell (no media packet near, no picture ids). Reads only; `view` is
 * scratch.
 */
export function vp8Hole(cached: (seq: number) => Buffer | undefined, seq: number, view: RtpView & Vp8Ids): Vp8Hole | undefined {
  const before = nearest(cached, seq, -1, view);
  const after = nearest(cached, seq, 1, view);
  if (!before || !after || before.pictureIdBits === 0 || before.pictureIdBits !== after.pictureIdBits) return undefined;
  const span = 2 ** after.pictureIdBits;
  const step = (((after.pictureId - before.pictureId) % span) + span) % span;
  if (step >= span / 2) return undefined; // older than the packet before it: not a hole we can place
  if (step === 1 && before.marker && after.start) return 'padding';
  if (before.temporalId < 0 || after.temporalId < 0 || before.tl0PicIdx < 0 || after.tl0PicIdx < 0) return 'base';
  if (step === 0 || !before.marker) {
    if (before.temporalId === 0) return 'base';
  }
  if (step > 0 && !after.start && after.temporalId === 0) return 'base';
  if (step > 1) {
    // Base pictures started after `before`: TL0PICIDX counts them (RFC 7741 §4.2), `after` itself included if base.
    const baseStarted = (after.tl0PicIdx - before.tl0PicIdx + 256) % 256;
    if (baseStarted > (after.temporalId === 0 ? 1 : 0)) return 'base';
  }
  return 'upper';
}

function nearest(cached: (seq: number) => Buffer | undefined, seq: number, direction: 1 | -1, view: RtpView & Vp8Ids): Side | undefined {
  for (let i = 1; i <= SCAN; i++) {
    const packet = cached(addSeq(seq, direction * i));
    if (!packet || !readRtpView(packet, view) || view.payloadEnd === view.payloadOffset) continue;
    if (readVp8Ids(packet, view.payloadOffset, view.payloadEnd, view) < 0) return undefined;
    return {
      pictureId: view.pictureId, pictureIdBits: view.pictureIdBits, tl0PicIdx: view.tl0PicIdx, temporalId: view.temporalId ?? -1,
      marker: view.marker, start: isVp8FrameStart(packet, view.payloadOffset),
    };
  }
  return undefined;
}
