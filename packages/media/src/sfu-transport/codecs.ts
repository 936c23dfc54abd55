import type { SdpMediaSection } from '../endpoint/sdp.ts';

/** A codec as the SFU negotiates it: our canonical name, the clock rate, and the a=fmtp parameters that matter. */
export interface SfuCodec {
  encodingName: string;
  clockRate: number;
  channels?: number;
  /** The publisher's a=fmtp line (VP9 profile-id, H.264 packetization-mode and profile-level-id); absent without one. */
  fmtp?: string;
}

/** Video codecs the SFU forwards, by canonical name; the publisher's m-line order picks among them. */
export const SFU_VIDEO_CODEC_NAMES = ['VP8', 'VP9', 'H264'] as const;
export type SfuVideoCodecName = (typeof SFU_VIDEO_CODEC_NAMES)[number];

/** `a=fmtp` parameters (RFC 8866 §6.15: a format-specific `key=value;key=value` list), keys lower-cased. */
export function parseFmtp(line: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (line ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * RFC 6184 §8.1 profile-level-id: profile_idc (1 byte), profile-iop (1 byte), level_idc (1 byte), in hex. The class
 * of streams a decoder of that profile takes. Baseline and Constrained Baseline (profile_idc 66, or Main/Extended
 * with the constraint_set1/set0 flags that make them CB, ITU-T H.264 A.2.1.1) are one class: every browser
 * encoder writes the constrained subset, which both decode (so 42e01f and 42001f match).
 */
export function h264ProfileClass(profileLevelId: string | undefined): string | undefined {
  if (!profileLevelId || !/^[0-9a-f]{6}$/i.test(profileLevelId)) return undefined;
  const idc = parseInt(profileLevelId.slice(0, 2), 16);
  const iop = parseInt(profileLevelId.slice(2, 4), 16);
  if (idc === 0x42 || (idc === 0x4d && (iop & 0x80) !== 0) || (idc === 0x58 && (iop & 0xc0) === 0xc0)) return 'baseline';
  return `idc-${idc}`;
}

/** RFC 6184 §8.1: packetization-mode defaults to 0 (single NAL unit mode). */
function packetizationMode(params: Map<string, string>): string {
  return params.get('packetization-mode') ?? '0';
}

/** RFC 9628 §6: profile-id defaults to 0. */
function vp9Profile(params: Map<string, string>): string {
  return params.get('profile-id') ?? '0';
}

/**
 * The SFU's codec for one offered video format, or undefined when it does not forward it. H.264 needs
 * packetization-mode 1 (FU-A and STAP-A, RFC 6184 §6.3: mode 0 cannot carry a frame larger than the MTU) and a
 * profile-level-id we can compare with subscribers'.
 */
export function videoCodecOf(m: SdpMediaSection, pt: number): SfuCodec | undefined {
  const map = m.rtpMaps.get(pt);
  if (!map || map.clockRate !== 90000) return undefined;
  const name = SFU_VIDEO_CODEC_NAMES.find((n) => n.toLowerCase() === map.encodingName.toLowerCase());
  if (!name) return undefined;
  const fmtp = m.fmtp.get(pt);
  if (name === 'H264') {
    const params = parseFmtp(fmtp);
    if (packetizationMode(params) !== '1' || !h264ProfileClass(params.get('profile-level-id'))) return undefined;
  }
  return { encodingName: name, clockRate: 90000, ...(fmtp !== undefined && name !== 'VP8' ? { fmtp } : {}) };
}

/** Publish: the first format in the publisher's m-line order (its preference, RFC 8829 §5.3.1) that we forward. */
export function pickPublishCodec(m: SdpMediaSection): { payloadType: number; codec: SfuCodec } | undefined {
  for (const format of m.formats) {
    const pt = Number(format);
    const codec = videoCodecOf(m, pt);
    if (codec) return { payloadType: pt, codec };
  }
  return undefined;
}

/** True when a decoder negotiated with `offered`'s parameters can take a stream encoded with `produced`'s. */
export function compatibleCodec(produced: SfuCodec, offered: SfuCodec): boolean {
  if (produced.encodingName !== offered.encodingName || produced.clockRate !== offered.clockRate) return false;
  const a = parseFmtp(produced.fmtp);
  const b = parseFmtp(offered.fmtp);
  switch (produced.encodingName) {
    case 'VP9':
      return vp9Profile(a) === vp9Profile(b);
    case 'H264':
      return packetizationMode(a) === packetizationMode(b) && h264ProfileClass(a.get('profile-level-id')) === h264ProfileClass(b.get('profile-level-id'));
    default:
      return true;
  }
}

/**
 * Subscribe: the subscriber's payload type for a producer's codec, the first compatible one in its order; undefined
 * when it offers none (it could not decode what we would send).
 */
export function pickSubscribePayloadType(m: SdpMediaSection, produced: SfuCodec): number | undefined {
  for (const format of m.formats) {
    const pt = Number(format);
    const map = m.rtpMaps.get(pt);
    if (!map || map.encodingName.toLowerCase() !== produced.encodingName.toLowerCase() || map.clockRate !== produced.clockRate) continue;
    if (m.kind !== 'video') return pt;
    const offered = videoCodecOf(m, pt);
    if (offered && compatibleCodec(produced, offered)) return pt;
  }
  return undefined;
}
