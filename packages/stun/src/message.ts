import { randomBytes } from 'node:crypto';
import { Attr, HEADER_LENGTH, type StunClass } from './constants.ts';
import { StunDecodeError } from './errors.ts';
import { decodeHeader, encodeHeader } from './header.ts';
import { hmacSha1, hmacSha256 } from './integrity.ts';
import { fingerprintOf } from './fingerprint.ts';

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: StunAttribute[];
}

/** A decoded message keeps its exact bytes: integrity and fingerprint are checked over them. */
export interface DecodedStunMessage extends StunMessage {
  raw: Buffer;
  /** Byte offset of each attribute's header in `raw`, parallel to `attributes`. */
  offsets: number[];
}

export function createTransactionId(): Buffer {
  return randomBytes(12);
}

/** RFC 8489 §14: TLV attributes, each value padded to a multiple of 4. */
export function padded(length: number): number {
  return (length + 3) & ~3;
}

/**
 * Decodes one STUN message that fills `buf` exactly (a UDP datagram, or a frame cut from a
 * stream). Throws StunDecodeError, and nothing else, for any malformed input.
 * RFC 8489 §14.5/§14.6: attributes after MESSAGE-INTEGRITY are ignored, except
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; nothing after FINGERPRINT (§14.7) is kept.
 */
export function decodeMessage(input: Uint8Array): DecodedStunMessage {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const header = decodeHeader(buf);
  if (buf.length < HEADER_LENGTH + header.length) throw new StunDecodeError('TRUNCATED', `message says ${header.length} bytes of attributes, ${buf.length - HEADER_LENGTH} present`);
  if (buf.length > HEADER_LENGTH + header.length) throw new StunDecodeError('BAD_LENGTH', 'bytes follow the end of the message');
  const raw = buf;
  const attributes: StunAttribute[] = [];
  const offsets: number[] = [];
  const end = HEADER_LENGTH + header.length;
  let seenIntegrity = false;
  let seenSha256 = false;
  let done = false;
  for (let off = HEADER_LENGTH; off < end; ) {
    if (end - off < 4) throw new StunDecodeError('TRUNCATED', 'attribute header cut short');
    const type = raw.readUInt16BE(off);
    const length = raw.readUInt16BE(off + 2);
    if (off + 4 + length > end) throw new StunDecodeError('TRUNCATED', `attribute 0x${type.toString(16)} runs past the message`);
    const keep =
      !done &&
      (!seenIntegrity || type === Attr['MESSAGE-INTEGRITY-SHA256'] || type === Attr.FINGERPRINT) &&
      (!seenSha256 || type === Attr.FINGERPRINT);
    if (keep) {
      attributes.push({ type, value: raw.subarray(off + 4, off + 4 + length) });
      offsets.push(off);
      if (type === Attr['MESSAGE-INTEGRITY']) seenIntegrity = true;
      if (type === Attr['MESSAGE-INTEGRITY-SHA256']) seenIntegrity = seenSha256 = true;
      if (type === Attr.FINGERPRINT) done = true;
    }
    off += 4 + padded(length);
  }
  return { method: header.method, cls: header.cls, transactionId: header.transactionId, attributes, raw, offsets };
}

export function getAttribute(msg: StunMessage, type: number): Buffer | undefined {
  for (const a of msg.attributes) if (a.type === type) return a.value;
  return undefined;
}

export function getAttributes(msg: StunMessage, type: number): Buffer[] {
  return msg.attributes.filter((a) => a.type === type).map((a) => a.value);
}

export interface EncodeOptions {
  /** Key for MESSAGE-INTEGRITY (HMAC-SHA1), RFC 8489 §14.5. */
  integrity?: Buffer;
  /** Key for MESSAGE-INTEGRITY-SHA256, RFC 8489 §14.6. */
  integritySha256?: Buffer;
  /** Append FINGERPRINT, RFC 8489 §14.7. */
  fingerprint?: boolean;
}

function encodeAttribute(type: number, value: Uint8Array): Buffer {
  if (value.length > 0xffff) throw new RangeError(`attribute 0x${type.toString(16)} is too long (${value.length} bytes)`);
  const out = Buffer.alloc(4 + padded(value.length));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  out.set(value, 4);
  return out;
}

/** Encodes a message; integrity and fingerprint attributes are computed and appended in RFC order. */
export function encodeMessage(msg: StunMessage, options: EncodeOptions = {}): Buffer {
  const parts = msg.attributes.map((a) => encodeAttribute(a.type, a.value));
  let body = Buffer.concat(parts);
  const withHeader = (extra: number): Buffer => Buffer.concat([encodeHeader(msg.method, msg.cls, body.length + extra, msg.transactionId), body]);
  if (options.integrity) {
    // The length field covers the MESSAGE-INTEGRITY attribute itself (RFC 8489 §14.5).
    const mac = hmacSha1(options.integrity, withHeader(24));
    body = Buffer.concat([body, encodeAttribute(Attr['MESSAGE-INTEGRITY'], mac)]);
  }
  if (options.integritySha256) {
    const mac = hmacSha256(options.integritySha256, withHeader(36));
    body = Buffer.concat([body, encodeAttribute(Attr['MESSAGE-INTEGRITY-SHA256'], mac)]);
  }
  if (options.fingerprint) {
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(fingerprintOf(withHeader(8)), 0);
    body = Buffer.concat([body, encodeAttribute(Attr.FINGERPRINT, crc)]);
  }
  if (body.length > 0xffff) throw new RangeError('STUN message too long');
  return withHeader(0);
}
