import { MediaDecodeError, asBuffer } from './errors.ts';
import { isOneByteProfile, isTwoByteProfile, parseExtensionElements, serializeExtensionElements } from './rtp-extensions.ts';

/** RFC 3550 §5.1: the fixed header is 12 bytes; version 2. */
export const RTP_HEADER_LENGTH = 12;
export const RTP_VERSION = 2;

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /**
   * RFC 8285 elements by local id (data are views into the parsed buffer). Serialized as one-byte elements when
   * all fit, else two-byte.
   */
  extensions: Map<number, Buffer>;
  /**
   * The raw extension header when the profile is not RFC 8285 (RFC 3550 §5.3.1); serialized as is, and only
   * when `extensions` is empty.
   */
  extensionProfile?: { profile: number; data: Buffer };
  /** Number of padding octets at the end, including the count octet itself (RFC 3550 §5.1); 0 means no P bit. */
  paddingLength: number;
}

export interface RtpPacket extends RtpHeader {
  /** The payload without padding: a view into the parsed buffer. */
  payload: Buffer;
}

const readWord = (b: Buffer, at: number): number => b.readUInt32BE(at);

/** True when `buf` has room for a fixed RTP header and carries version 2. */
export function looksLikeRtp(buf: Uint8Array): boolean {
  return buf.length >= RTP_HEADER_LENGTH && ((buf[0] as number) >> 6) === RTP_VERSION;
}

/**
 * Length of the header including CSRCs and the extension (RFC 3550 §5.1, §5.3.1): where the payload starts.
 * SRTP needs exactly this (RFC 3711 §3.1: the header is authenticated, not encrypted).
 */
export function rtpHeaderLength(bytes: Uint8Array): number {
  const buf = asBuffer(bytes);
  if (buf.length < RTP_HEADER_LENGTH) throw new MediaDecodeError('TRUNCATED', `an RTP header is 12 bytes, got ${buf.length}`);
  const b0 = buf[0] as number;
  if (b0 >> 6 !== RTP_VERSION) throw new MediaDecodeError('BAD_VERSION', `RTP version ${b0 >> 6}, expected 2`);
  let length = RTP_HEADER_LENGTH + (b0 & 0x0f) * 4;
  if (buf.length < length) throw new MediaDecodeError('TRUNCATED', `RTP header announces ${b0 & 0x0f} CSRCs past the end`);
  if (b0 & 0x10) {
    if (buf.length < length + 4) throw new MediaDecodeError('TRUNCATED', 'RTP extension header past the end');
    length += 4 + buf.readUInt16BE(length + 2) * 4;
    if (buf.length < length) throw new MediaDecodeError('TRUNCATED', 'RTP header extension longer than the packet');
  }
  return length;
}

export function parseRtp(bytes: Uint8Array): RtpPacket {
  const buf = asBuffer(bytes);
  const headerLength = rtpHeaderLength(buf);
  const b0 = buf[0] as number;
  const b1 = buf[1] as number;
  const csrcCount = b0 & 0x0f;
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(readWord(buf, RTP_HEADER_LENGTH + i * 4));

  let extensions = new Map<number, Buffer>();
  let extensionProfile: RtpHeader['extensionProfile'];
  if (b0 & 0x10) {
    const at = RTP_HEADER_LENGTH + csrcCount * 4;
    const profile = buf.readUInt16BE(at);
    const data = buf.subarray(at + 4, headerLength);
    if (isOneByteProfile(profile) || isTwoByteProfile(profile)) extensions = parseExtensionElements(profile, data);
    else extensionProfile = { profile, data };
  }

  let paddingLength = 0;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included; it cannot be 0 or reach into the header.
    paddingLength = buf.length > headerLength ? (buf[buf.length - 1] as number) : 0;
    if (paddingLength === 0 || headerLength + paddingLength > buf.length) {
      throw new MediaDecodeError('BAD_PADDING', `RTP padding count ${paddingLength} does not fit a ${buf.length - headerLength}-byte payload`);
    }
  }

  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: readWord(buf, 4),
    ssrc: readWord(buf, 8),
    csrcs,
    extensions,
    paddingLength,
    payload: buf.subarray(headerLength, buf.length - paddingLength),
  };
  if (extensionProfile) packet.extensionProfile = extensionProfile;
  return packet;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`RTP ${name} ${value} is outside 0–${max}`);
}

/** Serializes into a new buffer. Padding octets are zeros followed by the count (RFC 3550 §5.1). */
export function serializeRtp(packet: RtpPacket): Buffer {
  checkField('payload type', packet.payloadType, 0x7f);
  checkField('sequence number', packet.sequenceNumber, 0xffff);
  checkField('timestamp', packet.timestamp, 0xffff_ffff);
  checkField('SSRC', packet.ssrc, 0xffff_ffff);
  checkField('padding length', packet.paddingLength, 0xff);
  if (packet.csrcs.length > 15) throw new RangeError('an RTP header carries at most 15 CSRCs');

  let ext: { profile: number; block: Buffer } | undefined;
  if (packet.extensions.size > 0) ext = serializeExtensionElements(packet.extensions);
  else if (packet.extensionProfile) {
    const { profile, data } = packet.extensionProfile;
    if (data.length % 4 !== 0) throw new RangeError('a raw RTP header extension must be a multiple of 4 bytes');
    ext = { profile, block: data };
  }
  if (ext && ext.block.length / 4 > 0xffff) throw new RangeError('RTP header extension too long');

  const headerLength = RTP_HEADER_LENGTH + packet.csrcs.length * 4 + (ext ? 4 + ext.block.length : 0);
  const out = Buffer.alloc(headerLength + packet.payload.length + packet.paddingLength);
  out[0] = (RTP_VERSION << 6) | (packet.paddingLength > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | packet.csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | packet.payloadType;
  out.writeUInt16BE(packet.sequenceNumber, 2);
  out.writeUInt32BE(packet.timestamp, 4);
  out.writeUInt32BE(packet.ssrc, 8);
  let at = RTP_HEADER_LENGTH;
  for (const csrc of packet.csrcs) {
    checkField('CSRC', csrc, 0xffff_ffff);
    out.writeUInt32BE(csrc, at);
    at += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile, at);
    out.writeUInt16BE(ext.block.length / 4, at + 2);
    out.set(ext.block, at + 4);
    at += 4 + ext.block.length;
  }
  out.set(packet.payload, at);
  if (packet.paddingLength > 0) out[out.length - 1] = packet.paddingLength;
  return out;
}

export interface RtpRewrite {
  ssrc?: number;
  sequenceNumber?: number;
  timestamp?: number;
  payloadType?: number;
  marker?: boolean;
}

/**
 * Copies `bytes` and overwrites fixed-header fields in the copy; the caller's packet is never mutated or retained
 * (werift's `sendRtp` mutated and cached the packet it was given: issue 5). Only the fixed header is checked, so this
 * stays cheap on the forwarding path.
 */
export function rewriteRtp(bytes: Uint8Array, rewrite: RtpRewrite): Buffer {
  if (!looksLikeRtp(bytes)) {
    if (bytes.length < RTP_HEADER_LENGTH) throw new MediaDecodeError('TRUNCATED', `an RTP header is 12 bytes, got ${bytes.length}`);
    throw new MediaDecodeError('BAD_VERSION', 'not an RTP version 2 packet');
  }
  const out = Buffer.from(bytes); // a copy
  if (rewrite.payloadType !== undefined) {
    checkField('payload type', rewrite.payloadType, 0x7f);
    out[1] = ((out[1] as number) & 0x80) | rewrite.payloadType;
  }
  if (rewrite.marker !== undefined) out[1] = ((out[1] as number) & 0x7f) | (rewrite.marker ? 0x80 : 0);
  if (rewrite.sequenceNumber !== undefined) {
    checkField('sequence number', rewrite.sequenceNumber, 0xffff);
    out.writeUInt16BE(rewrite.sequenceNumber, 2);
  }
  if (rewrite.timestamp !== undefined) {
    checkField('timestamp', rewrite.timestamp, 0xffff_ffff);
    out.writeUInt32BE(rewrite.timestamp, 4);
  }
  if (rewrite.ssrc !== undefined) {
    checkField('SSRC', rewrite.ssrc, 0xffff_ffff);
    out.writeUInt32BE(rewrite.ssrc, 8);
  }
  return out;
}
