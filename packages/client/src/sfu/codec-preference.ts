/** A video codec the app may prefer for what it publishes through the SFU. */
export type VideoCodec = 'vp8' | 'vp9' | 'h264';

/** The subset of RTCRtpCodec (RTCRtpCodecCapability in older typings) this module reads. */
export interface CodecCapability {
  mimeType: string;
  clockRate: number;
  channels?: number;
  sdpFmtpLine?: string;
}

const MIME: Record<VideoCodec, string> = { vp8: 'video/vp8', vp9: 'video/vp9', h264: 'video/h264' };

function param(codec: CodecCapability, name: string): string | undefined {
  for (const part of (codec.sdpFmtpLine ?? '').split(';')) {
    const [key, value] = part.split('=');
    if (key?.trim() === name) return value?.trim();
  }
  return undefined;
}

/**
 * Rank of a codec for the preferred one: 0 the best match, 1 a usable match, undefined not a match. The SFU forwards
 * H.264 only in packetization-mode 1 (RFC 6184 §6.3), and constrained baseline (42e0xx) is what every browser decodes;
 * VP9 profile 0 (8-bit 4:2:0) is what every VP9 decoder takes.
 */
function rank(codec: CodecCapability, preferred: VideoCodec): number | undefined {
  if (codec.mimeType.toLowerCase() !== MIME[preferred]) return undefined;
  if (preferred === 'h264') {
    if (param(codec, 'packetization-mode') !== '1') return undefined;
    return param(codec, 'profile-level-id')?.toLowerCase().startsWith('42e0') ? 0 : 1;
  }
  if (preferred === 'vp9') return (param(codec, 'profile-id') ?? '0') === '0' ? 0 : 1;
  return 0;
}

/**
 * The sender's codecs reordered so that the preferred codec comes first (for RTCRtpTransceiver.setCodecPreferences:
 * the offer lists formats in that order and the SFU answers the first it forwards). Undefined when the preference
 * is VP8 (the browsers' default order already starts with it) or the browser cannot send the codec: the default
 * order then applies, VP8 first.
 */
export function codecOrder(capabilities: readonly CodecCapability[], preferred: VideoCodec): CodecCapability[] | undefined {
  if (preferred === 'vp8') return undefined;
  const matching = capabilities.filter((c) => rank(c, preferred) !== undefined);
  if (matching.length === 0) return undefined;
  matching.sort((a, b) => (rank(a, preferred) as number) - (rank(b, preferred) as number));
  return [...matching, ...capabilities.filter((c) => !matching.includes(c))];
}

/**
 * What a publishing video transceiver will prefer: the preferred codec with the codec order to set, or VP8 (no order:
 * the browser's default) when the browser cannot send the codec or cannot reorder codecs.
 */
export function resolveVideoCodec(preferred: VideoCodec): { codec: VideoCodec; order: CodecCapability[] | undefined } {
  const canReorder = typeof RTCRtpTransceiver !== 'undefined' && typeof RTCRtpTransceiver.prototype.setCodecPreferences === 'function';
  const capabilities = canReorder && typeof RTCRtpSender.getCapabilities === 'function' ? RTCRtpSender.getCapabilities('video')?.codecs : undefined;
  const order = capabilities ? codecOrder(capabilities, preferred) : undefined;
  return order ? { codec: preferred, order } : { codec: 'vp8', order: undefined };
}

/** Sets the order on a transceiver before the offer is made; false (the default order applies) when the browser refuses it. */
export function applyCodecOrder(transceiver: RTCRtpTransceiver, order: readonly CodecCapability[]): boolean {
  try {
    transceiver.setCodecPreferences(order as RTCRtpCodec[]);
    return true;
  } catch {
    // InvalidModificationError: a codec the browser does not accept here.
    return false;
  }
}

/**
 * Encodings for a preferred VP9: one spatial layer per simulcast encoding (L1T3, like VP8's three temporal layers).
 * Without a scalabilityMode, Chromium sends VP9 with several encodings as one SVC stream on the first rid instead.
 */
export function encodingsForCodec(encodings: RTCRtpEncodingParameters[] | undefined, codec: VideoCodec): RTCRtpEncodingParameters[] | undefined {
  if (!encodings || encodings.length < 2 || codec !== 'vp9') return encodings;
  return encodings.map((e) => ({ ...e, scalabilityMode: 'L1T3' }));
}
