/**
 * RFC 7983 §7 (updating RFC 5764 §5.1.2): one UDP port carries STUN, DTLS, TURN channels, ZRTP and RTP/RTCP; the
 * first byte tells them apart. RFC 5761 §4 then separates RTP from RTCP on a muxed port by the second byte.
 */
export type PacketKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'rtcp' | 'unknown';

export function classifyPacket(buf: Uint8Array): PacketKind {
  const b = buf[0];
  if (b === undefined) return 'unknown';
  if (b <= 3) return 'stun'; // [0..3]
  if (b >= 16 && b <= 19) return 'zrtp'; // [16..19]
  if (b >= 20 && b <= 63) return 'dtls'; // [20..63]
  if (b >= 64 && b <= 79) return 'turn-channel'; // [64..79], TURN ChannelData (RFC 8656 §12)
  if (b >= 128 && b <= 191) return isRtcp(buf) ? 'rtcp' : 'rtp'; // [128..191]
  return 'unknown'; // 4..15, 80..127, 192..255 are unassigned: drop
}

/**
 * RFC 5761 §4: with RTP and RTCP on one port, the second byte (marker + payload type for RTP, packet type for RTCP)
 * in 192–223 means RTCP, i.e. RTP payload types 64–95 are avoided. RTCP needs at least its 4-byte common header.
 */
export function isRtcp(buf: Uint8Array): boolean {
  const pt = buf[1];
  return buf.length >= 4 && pt !== undefined && pt >= 192 && pt <= 223;
}
