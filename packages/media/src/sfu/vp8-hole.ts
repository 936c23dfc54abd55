import { addSeq } from '../seq.ts';
import { readRtpView, type RtpView } from './rtp-view.ts';
import { isVp8FrameStart, readVp8Ids, type Vp8Ids } from './vp8.ts';

/** How far either side of a hole to look for the nearest packet that carried media. */
const SCAN = 16;

interface Side {
  pictureId: number;
  pictureIdBits: number;
  marker: boolean;
  start: boolean;
}

/**
 * Whether a VP8 packet the publisher never resent (`seq`) carried media, from the nearest cached packets around it
 * that did (padding-only ones skipped): the same picture on both sides, or a picture id skipped, or the picture before
 * not ended or the one after not started, means media is missing (a subscriber cannot decode past it until the next
 * key frame). Consecutive pictures, the first ended (marker) and the next starting, mean nothing of the media is
 * missing: the hole was padding, which Chrome sends on the media SSRC without RTX and never resends. Undefined when
 * it cannot tell (no media packet near, no picture ids). Reads only; `view` is scratch.
 */
export function vp8HoleIsMedia(cached: (seq: number) => Buffer | undefined, seq: number, view: RtpView & Vp8Ids): boolean | undefined {
  const before = nearest(cached, seq, -1, view);
  const after = nearest(cached, seq, 1, view);
  if (!before || !after || before.pictureIdBits === 0 || before.pictureIdBits !== after.pictureIdBits) return undefined;
  const span = 2 ** after.pictureIdBits;
  const step = (((after.pictureId - before.pictureId) % span) + span) % span;
  if (step >= span / 2) return undefined; // older than the packet before it: not a hole we can place
  return !(step === 1 && before.marker && after.start);
}

function nearest(cached: (seq: number) => Buffer | undefined, seq: number, direction: 1 | -1, view: RtpView & Vp8Ids): Side | undefined {
  for (let i = 1; i <= SCAN; i++) {
    const packet = cached(addSeq(seq, direction * i));
    if (!packet || !readRtpView(packet, view) || view.payloadEnd === view.payloadOffset) continue;
    if (readVp8Ids(packet, view.payloadOffset, view.payloadEnd, view) < 0) return undefined;
    return { pictureId: view.pictureId, pictureIdBits: view.pictureIdBits, marker: view.marker, start: isVp8FrameStart(packet, view.payloadOffset) };
  }
  return undefined;
}
