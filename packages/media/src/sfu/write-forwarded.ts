import { ONE_BYTE_PROFILE, TWO_BYTE_PROFILE } from '../rtp-extensions.ts';
import type { RtpView } from './rtp-view.ts';
import type { ProducerCodec } from './types.ts';
import { rewriteVp8Descriptor } from './vp8.ts';
import { rewriteVp9Descriptor } from './vp9.ts';

/**
 * Builds the packet a subscriber receives, in one allocation: the source's fixed header with SSRC, payload type,
 * sequence number and timestamp replaced (marker kept, RFC 3550 §5.1), its CSRCs, then either no header extension or
 * exactly one transport-wide sequence number element (0 as placeholder; RFC 8285 one-byte form for ids 1–14,
 * two-byte form above), then the payload without padding. Publisher extensions are dropped: their ids belong to the
 * publisher's negotiation. VP8/VP9 ids are rewritten when `pictureId`/`tl0PicIdx` are not negative.
 */
/**
 * Writable bytes every forwarded packet has after its end, inside its own allocation: room for the SRTP tag (10
 * bytes for AES-CM, 16 for GCM), so the transport can encrypt it in place instead of copying it once more.
 */
export const FORWARDED_TAIL_ROOM = 16;

/** Where forwarded packets live: `size` bytes with `tailRoom` writable bytes after them in the same memory. */
export type PacketAllocator = (size: number, tailRoom: number) => Buffer;

/** A fresh allocation per packet (Node's pool): a packet stays valid for as long as anyone holds it. */
export const freshPacket: PacketAllocator = (size, tailRoom) => Buffer.allocUnsafe(size + tailRoom).subarray(0, size);

/**
 * Checks what a forwarded stream is written with (RangeError otherwise): a 32-bit SSRC, a 7-bit payload type, and a
 * transport-cc extension id of 1–255 (RFC 8285) when there is one. Returns the id, or -1 without one.
 */
export function checkForwardedStream(ssrc: number, payloadType: number, transportCcId: number | undefined): number {
  if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffff_ffff) throw new RangeError(`SSRC ${ssrc} is not a 32-bit integer`);
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 0x7f) throw new RangeError(`payload type ${payloadType} is outside 0–127`);
  if (transportCcId !== undefined && (!Number.isInteger(transportCcId) || transportCcId < 1 || transportCcId > 255)) throw new RangeError(`header extension id ${transportCcId} is outside 1–255`);
  return transportCcId ?? -1;
}

export function writeForwarded(
  source: Buffer, view: RtpView, ssrc: number, payloadType: number, sequenceNumber: number, timestamp: number,
  transportCcId: number, pictureId: number, tl0PicIdx: number, codec: ProducerCodec = 'VP8', allocate: PacketAllocator = freshPacket,
): Buffer {
  const csrcBytes = view.csrcCount * 4;
  const extBytes = transportCcId > 0 ? 8 : 0;
  const header = 12 + csrcBytes + extBytes;
  const length = header + view.payloadEnd - view.payloadOffset;
  const out = allocate(length, FORWARDED_TAIL_ROOM);
  out[0] = 0x80 | (extBytes ? 0x10 : 0) | view.csrcCount;
  out[1] = (view.marker ? 0x80 : 0) | payloadType;
  out[2] = sequenceNumber >>> 8;
  out[3] = sequenceNumber & 0xff;
  out[4] = timestamp >>> 24;
  out[5] = (timestamp >>> 16) & 0xff;
  out[6] = (timestamp >>> 8) & 0xff;
  out[7] = timestamp & 0xff;
  out[8] = ssrc >>> 24;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
  if (csrcBytes) source.copy(out, 12, 12, 12 + csrcBytes);
  if (extBytes) {
    const at = 12 + csrcBytes;
    const oneByte = transportCcId <= 14;
    const profile = oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE;
    out[at] = profile >>> 8;
    out[at + 1] = profile & 0xff;
    out[at + 2] = 0;
    out[at + 3] = 1; // one 32-bit word of elements
    // One-byte: id|len-1, 2 data bytes, 1 padding byte. Two-byte: id, len, 2 data bytes.
    out[at + 4] = oneByte ? (transportCcId << 4) | 1 : transportCcId;
    out[at + 5] = oneByte ? 0 : 2;
    out[at + 6] = 0;
    out[at + 7] = 0;
  }
  source.copy(out, header, view.payloadOffset, view.payloadEnd);
  if (pictureId < 0 && tl0PicIdx < 0) return out;
  if (codec === 'VP8') rewriteVp8Descriptor(out, header, pictureId >= 0 ? pictureId : undefined, tl0PicIdx >= 0 ? tl0PicIdx : undefined);
  else if (codec === 'VP9') rewriteVp9Descriptor(out, header, pictureId, tl0PicIdx);
  return out;
}
