/**
 * H.264 over RTP (RFC 6184): what an SFU needs to start a subscriber's decoder, the NAL unit types of a key frame.
 * Forwarding H.264 needs no payload rewriting: SSRC, sequence numbers and timestamps are enough.
 */

/** RFC 6184 §5.4 / ITU-T H.264 Table 7-1: NAL unit types a decoder may start on, an IDR slice (5) or an SPS (7) that precedes one. */
function isKeyNal(type: number): boolean {
  return type === 5 || type === 7;
}

const STAP_A = 24; // RFC 6184 §5.7.1
const FU_A = 28; // RFC 6184 §5.8

/**
 * True when `buf[offset..end)` starts a key frame: a single NAL unit packet (types 1–23, §5.6), a STAP-A aggregate
 * (§5.7.1: a 16-bit size then the NAL unit, repeated) holding one, or the first fragment (S bit) of an FU-A whose
 * FU header names one. Malformed or truncated payloads are not key frames; this never throws.
 */
export function isH264KeyframeStart(buf: Buffer, offset: number, end: number): boolean {
  if (offset < 0 || offset >= end || end > buf.length) return false;
  const type = (buf[offset] as number) & 0x1f;
  if (type >= 1 && type <= 23) return isKeyNal(type);
  if (type === STAP_A) {
    // Bounded: every iteration advances by at least 3 bytes.
    for (let at = offset + 1; at + 2 < end; ) {
      const size = buf.readUInt16BE(at);
      if (size === 0 || at + 2 + size > end) return false;
      if (isKeyNal((buf[at + 2] as number) & 0x1f)) return true;
      at += 2 + size;
    }
    return false;
  }
  if (type === FU_A) {
    if (offset + 1 >= end) return false;
    const fuHeader = buf[offset + 1] as number; // S E R Type(5)
    return (fuHeader & 0x80) !== 0 && isKeyNal(fuHeader & 0x1f);
  }
  return false;
}
