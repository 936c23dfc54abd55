import type { PacketInfo, ProducerCodec } from './types.ts';
import { vp8KeyframeStart } from './vp8.ts';

/**
 * Key-frame starts per codec. The SFU only needs "may a decoder start here": the first packet of an independently
 * decodable frame. For VP8 this also fills the packet's picture ids into `info`.
 */
export function isKeyframeStart(codec: ProducerCodec, packet: Buffer, info: PacketInfo): boolean {
  switch (codec) {
    case 'VP8':
      return vp8KeyframeStart(packet, info.payloadOffset, info.payloadEnd, info);
    case 'VP9':
      return isVp9KeyframeStart(packet, info.payloadOffset, info.payloadEnd);
    case 'H264':
      return isH264KeyframeStart(packet, info.payloadOffset, info.payloadEnd);
    case 'opus':
      return false;
  }
}

/**
 * RFC 9628 §4.2 (VP9): B=1 (first packet of the frame), P=0 (not inter-picture predicted) and, with layer indices
 * present (L=1), spatial layer 0 (higher spatial layers of a key picture depend on the lower ones).
 */
export function isVp9KeyframeStart(buf: Buffer, offset: number, end: number): boolean {
  if (offset >= end) return false;
  const b0 = buf[offset] as number;
  const I = 0x80, P = 0x40, L = 0x20, B = 0x08;
  if (b0 & P || (b0 & B) === 0) return false;
  if ((b0 & L) === 0) return true;
  let at = offset + 1;
  if (b0 & I) {
    if (at >= end) return false;
    at += ((buf[at] as number) & 0x80) !== 0 ? 2 : 1; // M bit: 15-bit picture id
  }
  if (at >= end) return false;
  return (((buf[at] as number) >> 1) & 0x07) === 0; // TID(3) U(1) SID(3) D(1)
}

/** RFC 6184 §5.4 NAL unit types an SFU may start a decoder on: IDR slice (5), or SPS (7) that precedes one. */
function isH264KeyNal(type: number): boolean {
  return type === 5 || type === 7;
}

/**
 * RFC 6184 (H.264): a single NAL unit (types 1–23), a STAP-A aggregate (24, §5.7.1: 16-bit size + NAL, repeated)
 * or the first fragment of an FU-A (28, §5.8: S bit) carrying an IDR slice or an SPS.
 */
export function isH264KeyframeStart(buf: Buffer, offset: number, end: number): boolean {
  if (offset >= end) return false;
  const type = (buf[offset] as number) & 0x1f;
  if (type >= 1 && type <= 23) return isH264KeyNal(type);
  if (type === 24) {
    // Bounded: every iteration advances by at least 2 bytes.
    for (let at = offset + 1; at + 2 < end; ) {
      const size = buf.readUInt16BE(at);
      if (size === 0 || at + 2 + size > end) return false;
      if (isH264KeyNal((buf[at + 2] as number) & 0x1f)) return true;
      at += 2 + size;
    }
    return false;
  }
  if (type === 28) {
    if (offset + 1 >= end) return false;
    const fuHeader = buf[offset + 1] as number;
    return (fuHeader & 0x80) !== 0 && isH264KeyNal(fuHeader & 0x1f);
  }
  return false;
}
