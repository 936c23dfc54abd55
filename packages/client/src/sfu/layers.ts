import type { MediaSource } from '@parley/protocol';
import type { MediaSourceKind } from '../participant.ts';

/**
 * Camera simulcast: three encodings, lowest first (the order the SFU's `layers` list uses). The rids
 * go into a=rid / a=simulcast (RFC 8851, RFC 8853); the SFU forwards one of them to each subscriber.
 */
export const CAMERA_SIMULCAST: readonly RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  // Off until the SFU says a tile needs it (layersWanted): a full-resolution encoder nobody watches is the
  // most expensive thing a participant could run.
  { rid: 'f', maxBitrate: 1_500_000, active: false },
];

/** What the SFU calls a track: its kind and what the stream it belongs to carries. */
export function producerSource(kind: string, source: MediaSourceKind): MediaSource {
  if (kind === 'audio') return source === 'screen' ? 'screenAudio' : 'microphone';
  return source === 'screen' ? 'screen' : 'camera';
}

/** The send encodings for a published track: simulcast for the camera, one encoding otherwise. */
export function sendEncodingsFor(source: MediaSource): RTCRtpEncodingParameters[] | undefined {
  return source === 'camera' ? CAMERA_SIMULCAST.map((e) => ({ ...e })) : undefined;
}

/**
 * Which encodings to keep sending, given the rids someone watches. Encodings without a rid (one
 * encoding) always stay on; at least one stays on (the lowest wanted, else the lowest), so a
 * subscriber that appears later gets a picture at once.
 */
export function activeLayers(rids: ReadonlyArray<string | undefined>, wanted: readonly string[]): boolean[] {
  const flags = rids.map((rid) => rid === undefined || wanted.includes(rid));
  if (flags.length > 0 && !flags.includes(true)) flags[0] = true;
  return flags;
}
