/**
 * VP9 over RTP (RFC 9628): the payload descriptor an SFU reads to find key frames and rewrites to keep picture ids
 * continuous across simulcast switches, as for VP8 (see vp8.ts; the same `Vp8Ids` fields and `Vp8IdMap` serve).
 */
import { readPictureId, type Vp8Ids } from './vp8.ts';

// RFC 9628 §4.2, first octet: I|P|L|F|B|E|V|Z.
const I = 0x80; // picture ID present
const P = 0x40; // inter-picture predicted frame
const L = 0x20; // layer indices present
const F = 0x10; // flexible mode
const B = 0x08; // start of a frame
const V = 0x02; // scalability structure (SS) present
const M = 0x80; // 15-bit picture ID (first octet of the picture ID field)

/**
 * Reads the descriptor at `offset` (payload ends at `end`) into `out`: the picture ID and, in non-flexible mode with
 * layer indices, TL0PICIDX (-1 when absent). Returns where the fields after the layer indices start (the reference
 * indices or the SS), or -1 when the descriptor runs past the payload. No allocation.
 */
export function readVp9Ids(buf: Buffer, offset: number, end: number, out: Vp8Ids): number {
  out.pictureId = -1;
  out.pictureIdBits = 0;
  out.tl0PicIdx = -1;
  if (offset >= end) return -1;
  const b0 = buf[offset] as number;
  let at = offset + 1;
  if (b0 & I) {
    at = readPictureId(buf, at, end, out);
    if (at < 0) return -1;
  }
  if (b0 & L) {
    if (at >= end) return -1;
    at += 1; // TID(3) U(1) SID(3) D(1)
    if ((b0 & F) === 0) {
      // §4.2: non-flexible mode carries TL0PICIDX after the layer indices.
      if (at >= end) return -1;
      out.tl0PicIdx = buf[at] as number;
      at += 1;
    }
  }
  return at <= end ? at : -1;
}

/**
 * True when the packet starts a frame a decoder can begin on (RFC 9628 §4.2): B=1 (first packet of the frame),
 * P=0 (no reference to an earlier picture) and, with layer indices, spatial layer 0 (higher spatial layers of a key
 * picture depend on the lower ones). Fills the ids as `readVp9Ids` does. Never throws.
 */
export function vp9KeyframeStart(buf: Buffer, offset: number, end: number, ids: Vp8Ids): boolean {
  const after = readVp9Ids(buf, offset, end, ids);
  if (after < 0) return false;
  const b0 = buf[offset] as number;
  if ((b0 & P) !== 0 || (b0 & B) === 0) return false;
  // A descriptor must be followed by VP9 payload.
  if (after >= end) return false;
  if ((b0 & L) === 0) return true;
  const lAt = offset + 1 + ((b0 & I) === 0 ? 0 : ((buf[offset + 1] as number) & M) !== 0 ? 2 : 1);
  return (((buf[lAt] as number) >> 1) & 0x07) === 0;
}

/** True when `buf[offset..end)` starts a VP9 key frame (see `vp9KeyframeStart`). */
export function isVp9KeyframeStart(buf: Buffer, offset: number, end: number): boolean {
  return vp9KeyframeStart(buf, offset, end, { pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 });
}

/**
 * Width and height of the lowest spatial layer from the scalability structure a key frame's first packet carries
 * (RFC 9628 §4.2.1: V=1; N_S(3) Y G RES(3), then per layer WIDTH(16) HEIGHT(16) when Y=1). Flexible mode has no
 * reference indices in a P=0 packet, so the SS follows the layer indices directly.
 */
export function vp9KeyframeSize(buf: Buffer, offset: number, end: number): { width: number; height: number } | undefined {
  const ids: Vp8Ids = { pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 };
  if (!vp9KeyframeStart(buf, offset, end, ids)) return undefined;
  if (((buf[offset] as number) & V) === 0) return undefined;
  const at = readVp9Ids(buf, offset, end, ids);
  if (at + 5 > end || ((buf[at] as number) & 0x10) === 0) return undefined; // Y: resolutions present
  const width = buf.readUInt16BE(at + 1);
  const height = buf.readUInt16BE(at + 3);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/**
 * Rewrites the picture ID (in its own 7 or 15 bits) and, in non-flexible mode, TL0PICIDX in place in an
 * already-copied packet. A negative value leaves the field alone; a truncated descriptor is left as it is.
 */
export function rewriteVp9Descriptor(packet: Buffer, payloadOffset: number, pictureId: number, tl0PicIdx: number): void {
  const b0 = packet[payloadOffset];
  if (b0 === undefined) return;
  let at = payloadOffset + 1;
  if (b0 & I) {
    const p = packet[at];
    if (p === undefined) return;
    if (p & M) {
      if (at + 1 >= packet.length) return;
      if (pictureId >= 0) {
        packet[at] = M | ((pictureId >> 8) & 0x7f);
        packet[at + 1] = pictureId & 0xff;
      }
      at += 2;
    } else {
      if (pictureId >= 0) packet[at] = pictureId & 0x7f;
      at += 1;
    }
  }
  if (b0 & L && (b0 & F) === 0 && tl0PicIdx >= 0 && at + 1 < packet.length) packet[at + 1] = tl0PicIdx & 0xff;
}
