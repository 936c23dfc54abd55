import { SerialSkips } from './serial-skips.ts';

/**
 * VP8 over RTP (RFC 7741): the payload descriptor an SFU reads to find key frames and rewrites to keep picture ids
 * continuous, and the key-frame header (RFC 6386 §9.1) that carries the resolution.
 */

/** RFC 7741 §4.2, parsed. Optional fields are absent when their flag bit is 0. */
export interface Vp8Descriptor {
  startOfPartition: boolean;
  partitionId: number;
  pictureId?: number;
  pictureIdBits?: 7 | 15;
  tl0PicIdx?: number;
  temporalId?: number;
  keyIdx?: number;
  /** Bytes of descriptor: the VP8 payload header (RFC 7741 §4.3) starts this far into the payload. */
  headerLength: number;
}

/** The fields the forwarding path needs, written into a reused object: -1 (bits 0) when absent. */
export interface Vp8Ids {
  pictureId: number;
  pictureIdBits: number;
  tl0PicIdx: number;
  /** VP8's TID (temporal layer, 0–3) when the descriptor has one; -1 (or absent: VP9, which the SFU does not thin) when not. */
  temporalId?: number;
}

// RFC 7741 §4.2 bit masks.
const X = 0x80; // extended control bits present
const S = 0x10; // start of VP8 partition
const PID_MASK = 0x07; // partition index
const I = 0x80; // PictureID present
const L = 0x40; // TL0PICIDX present
const T = 0x20; // TID present
const K = 0x10; // KEYIDX present
const M = 0x80; // 15-bit PictureID

/**
 * The picture ID at `at` (VP8 RFC 7741 §4.2 and VP9 RFC 9628 §4.2 share its form: M bit, then 7 or 15 bits) into
 * `out`; returns the offset after it, or -1 when it runs past `end`.
 */
export function readPictureId(buf: Buffer, at: number, end: number, out: Vp8Ids): number {
  if (at >= end) return -1;
  const p = buf[at] as number;
  if (p & M) {
    if (at + 1 >= end) return -1;
    out.pictureId = ((p & 0x7f) << 8) | (buf[at + 1] as number);
    out.pictureIdBits = 15;
    return at + 2;
  }
  out.pictureId = p;
  out.pictureIdBits = 7;
  return at + 1;
}

/**
 * Reads the descriptor at `offset` (payload ends at `end`) into `out`; returns its length, or -1 when it runs past
 * the payload or leaves no byte of VP8 payload. No allocation.
 */
export function readVp8Ids(buf: Buffer, offset: number, end: number, out: Vp8Ids): number {
  out.pictureId = -1;
  out.pictureIdBits = 0;
  out.tl0PicIdx = -1;
  out.temporalId = -1;
  if (offset >= end) return -1;
  let at = offset + 1;
  if ((buf[offset] as number) & X) {
    if (at >= end) return -1;
    const x = buf[at++] as number;
    if (x & I) {
      at = readPictureId(buf, at, end, out);
      if (at < 0) return -1;
    }
    if (x & L) {
      if (at >= end) return -1;
      out.tl0PicIdx = buf[at++] as number;
    }
    // RFC 7741 §4.2: one TID|Y|KEYIDX byte when either T or K is set.
    if (x & (T | K)) {
      if (at >= end) return -1;
      if (x & T) out.temporalId = (buf[at] as number) >> 6;
      at++;
    }
  }
  // A descriptor must be followed by VP8 payload (RFC 7741 §4.2: the payload header or partition data).
  return at < end ? at - offset : -1;
}

/** Parses the descriptor at the start of `payload` (or at `offset`); undefined when it is malformed or truncated. */
export function parseVp8Descriptor(payload: Buffer, offset = 0): Vp8Descriptor | undefined {
  const ids: Vp8Ids = { pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 };
  const headerLength = readVp8Ids(payload, offset, payload.length, ids);
  if (headerLength < 0) return undefined;
  const b0 = payload[offset] as number;
  const out: Vp8Descriptor = { startOfPartition: (b0 & S) !== 0, partitionId: b0 & PID_MASK, headerLength };
  if (ids.pictureId >= 0) {
    out.pictureId = ids.pictureId;
    out.pictureIdBits = ids.pictureIdBits === 15 ? 15 : 7;
  }
  if (ids.tl0PicIdx >= 0) out.tl0PicIdx = ids.tl0PicIdx;
  const x = b0 & X ? (payload[offset + 1] as number) : 0;
  if (x & (T | K)) {
    const tk = payload[offset + headerLength - 1] as number;
    if (x & T) out.temporalId = tk >> 6;
    if (x & K) out.keyIdx = tk & 0x1f;
  }
  return out;
}

/**
 * True when the payload at `payloadOffset` (ending at `end`) starts a key frame: S=1 and PID=0 in the descriptor,
 * and the P bit of the VP8 payload header (RFC 7741 §4.3; the frame tag's bit 0, RFC 6386 §9.1) is 0.
 */
export function vp8KeyframeStart(buf: Buffer, payloadOffset: number, end: number, ids: Vp8Ids): boolean {
  const length = readVp8Ids(buf, payloadOffset, end, ids);
  if (length < 0) return false;
  const b0 = buf[payloadOffset] as number;
  return (b0 & S) !== 0 && (b0 & PID_MASK) === 0 && ((buf[payloadOffset + length] as number) & 0x01) === 0;
}

/** True when the payload at `payloadOffset` starts a frame (S=1, PID=0; RFC 7741 §4.2): where a picture may be dropped or taken up. */
export function isVp8FrameStart(buf: Buffer, payloadOffset: number): boolean {
  return ((buf[payloadOffset] ?? 0) & (S | PID_MASK)) === S;
}

/** True when this packet starts a VP8 key frame (S=1, PID=0, and the payload header's P bit is 0, RFC 7741 §4.3 / RFC 6386 §9.1). */
export function isVp8Keyframe(packet: Buffer, payloadOffset: number): boolean {
  return vp8KeyframeStart(packet, payloadOffset, packet.length, { pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 });
}

/** RFC 6386 §9.1: a key frame's 3-byte frame tag is followed by this start code, then width and height. */
const START_CODE = [0x9d, 0x01, 0x2a] as const;

/** Width/height from a key frame's first packet (RFC 6386 §9.1), or undefined. */
export function vp8KeyframeSize(packet: Buffer, payloadOffset: number): { width: number; height: number } | undefined {
  if (!isVp8Keyframe(packet, payloadOffset)) return undefined;
  const at = payloadOffset + (parseVp8Descriptor(packet, payloadOffset)?.headerLength ?? 0);
  // Frame tag (3) + start code (3) + horizontal (2) + vertical (2), little-endian 14-bit sizes with 2-bit scales.
  if (at + 10 > packet.length) return undefined;
  for (let i = 0; i < 3; i++) if (packet[at + 3 + i] !== START_CODE[i]) return undefined;
  const width = packet.readUInt16LE(at + 6) & 0x3fff;
  const height = packet.readUInt16LE(at + 8) & 0x3fff;
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/**
 * Rewrites pictureId/tl0PicIdx in place in an already-copied packet, for continuity across simulcast switches.
 * A value is written only where the descriptor has the field, in the field's own width (7 or 15 bits, modulo).
 */
export function rewriteVp8Descriptor(packet: Buffer, payloadOffset: number, pictureId: number | undefined, tl0PicIdx: number | undefined): void {
  const b0 = packet[payloadOffset];
  if (b0 === undefined || (b0 & X) === 0) return;
  const x = packet[payloadOffset + 1];
  if (x === undefined) return;
  let at = payloadOffset + 2;
  if (x & I) {
    const p = packet[at];
    if (p === undefined) return;
    if (p & M) {
      if (at + 1 >= packet.length) return;
      if (pictureId !== undefined) {
        packet[at] = M | ((pictureId >> 8) & 0x7f);
        packet[at + 1] = pictureId & 0xff;
      }
      at += 2;
    } else {
      if (pictureId !== undefined) packet[at] = pictureId & 0x7f;
      at += 1;
    }
  }
  if (x & L && tl0PicIdx !== undefined && at < packet.length) packet[at] = tl0PicIdx & 0xff;
}

/** True when serial number a is newer than b in a space of `mask + 1` values. */
function newerIn(a: number, b: number, mask: number): boolean {
  const d = (a - b) & mask;
  return d !== 0 && d <= mask >> 1;
}

/**
 * Keeps one subscriber's VP8 PictureID and TL0PICIDX continuous across the sources it forwards: decoders use them
 * to detect lost frames (RFC 7741 §4.2), so a simulcast switch must not make them jump. Each source gets an offset
 * that maps its first forwarded ids to the newest ids sent + 1.
 */
export class Vp8IdMap {
  #picOffset = 0;
  #tl0Offset = 0;
  #maxPic = -1;
  #maxPicMask = 0x7fff;
  #maxTl0 = -1;
  /** Pictures of the current source left out (temporal layers thinned away): later ids close over them. */
  readonly #dropped = new SerialSkips(0x7fff);

  /** Re-anchors on the first packet of a source (a key frame, which also starts a new TL0 picture). */
  anchor(ids: Vp8Ids): void {
    this.#picOffset = ids.pictureId >= 0 && this.#maxPic >= 0 ? (this.#maxPic + 1 - ids.pictureId) & 0x7fff : 0;
    this.#tl0Offset = ids.tl0PicIdx >= 0 && this.#maxTl0 >= 0 ? (this.#maxTl0 + 1 - ids.tl0PicIdx) & 0xff : 0;
    this.#dropped.reset(Math.max(0, ids.pictureId));
  }

  /**
   * A packet of a picture left out (its temporal layer is not forwarded): the subscriber must see no gap in the ids,
   * or its decoder would wait for that picture before the next that refers past it. 15-bit ids only (the consumer
   * thins nothing else).
   */
  dropPicture(ids: Vp8Ids): void {
    if (ids.pictureIdBits === 15 && !this.#dropped.has(ids.pictureId)) this.#dropped.skip(ids.pictureId);
  }

  /** The output PictureID (in the source's 7 or 15 bits), or -1 when the packet has none, or -2 when it cannot be placed among left-out pictures. */
  pictureId(ids: Vp8Ids): number {
    if (ids.pictureId < 0) return -1;
    const mask = ids.pictureIdBits === 15 ? 0x7fff : 0x7f;
    let shift = 0;
    if (mask === 0x7fff && this.#dropped.count > 0) {
      shift = this.#dropped.before(ids.pictureId);
      if (shift < 0) return -2;
    }
    const out = (ids.pictureId + this.#picOffset - shift) & mask;
    if (this.#maxPic < 0 || mask !== this.#maxPicMask || newerIn(out, this.#maxPic, mask)) {
      this.#maxPic = out;
      this.#maxPicMask = mask;
    }
    return out;
  }

  /** The output TL0PICIDX, or -1 when the packet has none. */
  tl0PicIdx(ids: Vp8Ids): number {
    if (ids.tl0PicIdx < 0) return -1;
    const out = (ids.tl0PicIdx + this.#tl0Offset) & 0xff;
    if (this.#maxTl0 < 0 || newerIn(out, this.#maxTl0, 0xff)) this.#maxTl0 = out;
    return out;
  }
}
