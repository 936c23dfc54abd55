import { HEADER_LENGTH, MAGIC_COOKIE, StunClass } from './constants.ts';
import { StunDecodeError } from './errors.ts';

const CLASS_BY_BITS: StunClass[] = ['request', 'indication', 'success', 'error'];

/**
 * RFC 8489 §5: the 14-bit message type interleaves the 12 method bits (M11–M0) with the two
 * class bits (C1, C0): M11..M7 C1 M6..M4 C0 M3..M0.
 */
export function encodeMessageType(method: number, cls: StunClass): number {
  const c = StunClass[cls];
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7);
}

export function decodeMessageType(type: number): { method: number; cls: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const bits = ((type >> 4) & 0b01) | ((type >> 7) & 0b10);
  return { method, cls: CLASS_BY_BITS[bits] as StunClass };
}

export interface StunHeader {
  method: number;
  cls: StunClass;
  /** Length of the attributes, excluding the 20-byte header (RFC 8489 §5). */
  length: number;
  transactionId: Buffer;
}

/**
 * Cheap test used to demultiplex (RFC 8489 §5, RFC 7983): the two top bits are zero, the
 * magic cookie is present and the length is a multiple of 4.
 */
export function looksLikeStun(buf: Uint8Array): boolean {
  if (buf.length < HEADER_LENGTH) return false;
  if ((buf[0] as number) & 0xc0) return false;
  if (((buf[2] as number) << 8 | (buf[3] as number)) % 4 !== 0) return false;
  return ((buf[4] as number) << 24 | (buf[5] as number) << 16 | (buf[6] as number) << 8 | (buf[7] as number)) >>> 0 === MAGIC_COOKIE;
}

export function decodeHeader(buf: Buffer): StunHeader {
  if (buf.length < HEADER_LENGTH) throw new StunDecodeError('TRUNCATED', `a STUN header is 20 bytes, got ${buf.length}`);
  const type = buf.readUInt16BE(0);
  if (type & 0xc000) throw new StunDecodeError('NOT_STUN', 'the two most significant bits of a STUN message must be zero');
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) throw new StunDecodeError('NOT_STUN', 'missing magic cookie');
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0) throw new StunDecodeError('NOT_STUN', 'message length is not a multiple of 4');
  const { method, cls } = decodeMessageType(type);
  return { method, cls, length, transactionId: Buffer.from(buf.subarray(8, HEADER_LENGTH)) };
}

export function encodeHeader(method: number, cls: StunClass, length: number, transactionId: Uint8Array): Buffer {
  if (transactionId.length !== 12) throw new TypeError('a transaction id is 12 bytes');
  const out = Buffer.alloc(HEADER_LENGTH);
  out.writeUInt16BE(encodeMessageType(method, cls), 0);
  out.writeUInt16BE(length, 2);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  out.set(transactionId, 8);
  return out;
}
