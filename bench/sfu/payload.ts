/**
 * Synthetic "pre-encoded" media for the SFU bench: no encoder runs. Every RTP payload is a well-formed VP8 or Opus
 * payload as far as an SFU looks (RFC 7741 descriptor, RFC 6386 key-frame header, RFC 6716 TOC byte) and ends in a
 * fixed trailer carrying who sent it, its bench sequence number and its send time on the machine's monotonic clock
 * (`process.hrtime.bigint()`, shared by every process on one machine), so a subscriber can count losses and
 * one-way delay without trusting anything the SFU rewrote.
 */

/** "PSFB": marks our trailer; anything without it (padding probes, foreign packets) is not counted. */
export const TRAILER_MAGIC = 0x5053_4642;
/** magic u32 | publisher u16 | track u8 | flags u8 | seq u32 | send time ns u64 */
export const TRAILER_LENGTH = 20;
const FLAG_KEY = 0x01;

export type TrackKind = 'audio' | 'video';

export interface Trailer {
  publisher: number;
  /** 0 audio, 1 video: one publisher's tracks. */
  track: number;
  key: boolean;
  seq: number;
  sentNs: bigint;
}

export function writeTrailer(buf: Buffer, t: Trailer): void {
  const at = buf.length - TRAILER_LENGTH;
  buf.writeUInt32BE(TRAILER_MAGIC, at);
  buf.writeUInt16BE(t.publisher, at + 4);
  buf[at + 6] = t.track;
  buf[at + 7] = t.key ? FLAG_KEY : 0;
  buf.writeUInt32BE(t.seq >>> 0, at + 8);
  buf.writeBigUInt64BE(t.sentNs, at + 12);
}

/** The trailer at the end of `payload[start, end)`, or undefined when the bytes are not ours. */
export function readTrailer(buf: Buffer, start: number, end: number): Trailer | undefined {
  const at = end - TRAILER_LENGTH;
  if (at < start || buf.readUInt32BE(at) !== TRAILER_MAGIC) return undefined;
  return {
    publisher: buf.readUInt16BE(at + 4),
    track: buf[at + 6] as number,
    key: ((buf[at + 7] as number) & FLAG_KEY) !== 0,
    seq: buf.readUInt32BE(at + 8),
    sentNs: buf.readBigUInt64BE(at + 12),
  };
}

/** RFC 7741 §4.2: X=1, S on the first packet of a frame, partition 0; then I=1 with a 15-bit PictureID (M=1). */
const VP8_DESCRIPTOR_LENGTH = 4;
/** RFC 6386 §9.1: 3-byte frame tag, then (key frames) start code 9d 01 2a and 14-bit width/height, little endian. */
const VP8_KEY_HEADER_LENGTH = 10;
const VP8_INTER_HEADER_LENGTH = 3;

export interface Vp8FrameOptions {
  pictureId: number;
  key: boolean;
  /** Packets in this frame (≥ 1) and bytes of RTP payload per packet. */
  packets: number;
  payloadBytes: number;
  width?: number;
  height?: number;
}

/**
 * The RTP payloads of one VP8 frame, trailer space included (zeros; `writeTrailer` fills it per packet). The first
 * payload starts the partition and carries the frame tag; a key frame's tag has P=0 and the RFC 6386 §9.1 header
 * so an SFU's key-frame detection (`RFC 7741 §4.3`) sees a decodable start.
 */
export function vp8FramePayloads(o: Vp8FrameOptions): Buffer[] {
  const min = VP8_DESCRIPTOR_LENGTH + VP8_KEY_HEADER_LENGTH + TRAILER_LENGTH;
  if (o.payloadBytes < min) throw new RangeError(`a VP8 bench payload needs at least ${min} bytes`);
  if (!Number.isInteger(o.packets) || o.packets < 1) throw new RangeError('a frame has at least one packet');
  const out: Buffer[] = [];
  const pid = o.pictureId & 0x7fff;
  for (let i = 0; i < o.packets; i++) {
    const p = Buffer.alloc(o.payloadBytes);
    p[0] = 0x80 | (i === 0 ? 0x10 : 0); // X, S
    p[1] = 0x80; // I
    p[2] = 0x80 | (pid >> 8); // M + PictureID high bits
    p[3] = pid & 0xff;
    if (i === 0) writeVp8FrameTag(p, VP8_DESCRIPTOR_LENGTH, o);
    out.push(p);
  }
  return out;
}

function writeVp8FrameTag(p: Buffer, at: number, o: Vp8FrameOptions): void {
  // Frame tag (RFC 6386 §9.1): bit 0 is P (0 = key frame), bits 1–3 version, bit 4 show_frame, 19 bits first partition size.
  const firstPartitionSize = 16;
  const tag = (o.key ? 0 : 1) | (0 << 1) | (1 << 4) | (firstPartitionSize << 5);
  p[at] = tag & 0xff;
  p[at + 1] = (tag >> 8) & 0xff;
  p[at + 2] = (tag >> 16) & 0xff;
  if (!o.key) return;
  p[at + 3] = 0x9d;
  p[at + 4] = 0x01;
  p[at + 5] = 0x2a;
  p.writeUInt16LE((o.width ?? 640) & 0x3fff, at + 6);
  p.writeUInt16LE((o.height ?? 360) & 0x3fff, at + 8);
}

/** True when the payload starts a VP8 key frame as we write them (the subscriber side's check). */
export function isVp8KeyStart(payload: Buffer): boolean {
  if (payload.length < VP8_DESCRIPTOR_LENGTH + VP8_INTER_HEADER_LENGTH) return false;
  if (((payload[0] as number) & 0x10) === 0) return false;
  return ((payload[VP8_DESCRIPTOR_LENGTH] as number) & 0x01) === 0;
}

/** RFC 6716 §3.1 TOC: config 31 (CELT FB 20 ms), mono, code 0 (one frame). */
const OPUS_TOC = (31 << 3) | 0;

/** One Opus packet of `bytes` (TOC + filler + trailer space). */
export function opusPayload(bytes: number): Buffer {
  if (bytes < 1 + TRAILER_LENGTH) throw new RangeError(`an Opus bench payload needs at least ${1 + TRAILER_LENGTH} bytes`);
  const p = Buffer.alloc(bytes);
  p[0] = OPUS_TOC;
  return p;
}
