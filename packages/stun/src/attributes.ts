import { StunDecodeError } from './errors.ts';
import { ErrorReason } from './constants.ts';

/** Value codecs for the non-address attributes (RFC 8489 §14, RFC 8656 §14). */

function exact(value: Buffer, length: number, name: string): void {
  if (value.length !== length) throw new StunDecodeError('BAD_ATTRIBUTE', `${name} must be ${length} bytes, got ${value.length}`);
}

/** USERNAME < 513 bytes (§14.3); REALM, NONCE, SOFTWARE < 128 characters ≈ 763 bytes (§14.9, §14.10, §14.14). */
export function decodeText(value: Buffer, name: string, maxBytes: number): string {
  if (value.length > maxBytes) throw new StunDecodeError('BAD_ATTRIBUTE', `${name} longer than ${maxBytes} bytes`);
  return value.toString('utf8');
}

export const TEXT_LIMITS = { USERNAME: 512, REALM: 763, NONCE: 763, SOFTWARE: 763 } as const;

export function encodeText(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export function encodeUint32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0, 0);
  return out;
}

export function decodeUint32(value: Buffer, name: string): number {
  exact(value, 4, name);
  return value.readUInt32BE(0);
}

/** RFC 8489 §14.8: ERROR-CODE — 21 reserved bits, class (3–6), number (0–99), reason phrase. */
export function encodeErrorCode(code: number, reason = ErrorReason[code] ?? ''): Buffer {
  if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError(`error code ${code} is outside 300–699`);
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.alloc(4 + text.length);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  out.set(text, 4);
  return out;
}

export function decodeErrorCode(value: Buffer): { code: number; reason: string } {
  if (value.length < 4) throw new StunDecodeError('BAD_ATTRIBUTE', 'ERROR-CODE shorter than 4 bytes');
  const cls = (value[2] as number) & 0x07;
  const num = value[3] as number;
  if (cls < 3 || cls > 6 || num > 99) throw new StunDecodeError('BAD_ATTRIBUTE', 'ERROR-CODE class or number out of range');
  return { code: cls * 100 + num, reason: decodeText(value.subarray(4), 'ERROR-CODE reason', 763) };
}

/** RFC 8489 §14.9: UNKNOWN-ATTRIBUTES — a list of 16-bit types. */
export function encodeUnknownAttributes(types: number[]): Buffer {
  const out = Buffer.alloc(types.length * 2);
  types.forEach((t, i) => out.writeUInt16BE(t, i * 2));
  return out;
}

export function decodeUnknownAttributes(value: Buffer): number[] {
  if (value.length % 2 !== 0) throw new StunDecodeError('BAD_ATTRIBUTE', 'UNKNOWN-ATTRIBUTES length is odd');
  const out: number[] = [];
  for (let i = 0; i < value.length; i += 2) out.push(value.readUInt16BE(i));
  return out;
}

/** RFC 8656 §14.1: CHANNEL-NUMBER — 16-bit number, 16 bits RFFU. */
export function encodeChannelNumber(channel: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(channel, 0);
  return out;
}

export function decodeChannelNumber(value: Buffer): number {
  exact(value, 4, 'CHANNEL-NUMBER');
  return value.readUInt16BE(0);
}

/** RFC 8656 §14.2: LIFETIME in seconds. */
export const encodeLifetime = encodeUint32;
export function decodeLifetime(value: Buffer): number {
  return decodeUint32(value, 'LIFETIME');
}

/** RFC 8656 §14.7: REQUESTED-TRANSPORT — protocol number, 24 bits RFFU. */
export function encodeRequestedTransport(protocol: number): Buffer {
  return Buffer.from([protocol, 0, 0, 0]);
}

export function decodeRequestedTransport(value: Buffer): number {
  exact(value, 4, 'REQUESTED-TRANSPORT');
  return value[0] as number;
}

/** RFC 8656 §14.1 (REQUESTED-ADDRESS-FAMILY): family byte, 24 bits RFFU. */
export function encodeRequestedAddressFamily(family: number): Buffer {
  return Buffer.from([family, 0, 0, 0]);
}

export function decodeRequestedAddressFamily(value: Buffer): number {
  exact(value, 4, 'REQUESTED-ADDRESS-FAMILY');
  return value[0] as number;
}

/** RFC 8656 §14.6: EVEN-PORT — one byte whose top bit R asks to reserve the next port. */
export function encodeEvenPort(reserveNext: boolean): Buffer {
  return Buffer.from([reserveNext ? 0x80 : 0]);
}

export function decodeEvenPort(value: Buffer): { reserveNext: boolean } {
  exact(value, 1, 'EVEN-PORT');
  return { reserveNext: ((value[0] as number) & 0x80) !== 0 };
}

/** RFC 8656 §14.9: RESERVATION-TOKEN — 8 opaque bytes. */
export function decodeReservationToken(value: Buffer): Buffer {
  exact(value, 8, 'RESERVATION-TOKEN');
  return value;
}

/** RFC 8656 §14.8: DONT-FRAGMENT has no value. */
export function decodeDontFragment(value: Buffer): true {
  exact(value, 0, 'DONT-FRAGMENT');
  return true;
}

/** RFC 8489 §14.11/§14.12: PASSWORD-ALGORITHM(S) — algorithm, parameter length, parameters (padded). */
export interface PasswordAlgorithmValue {
  algorithm: number;
  parameters: Buffer;
}

function encodeAlgorithm(a: PasswordAlgorithmValue): Buffer {
  const out = Buffer.alloc(4 + ((a.parameters.length + 3) & ~3));
  out.writeUInt16BE(a.algorithm, 0);
  out.writeUInt16BE(a.parameters.length, 2);
  out.set(a.parameters, 4);
  return out;
}

export function encodePasswordAlgorithms(list: PasswordAlgorithmValue[]): Buffer {
  return Buffer.concat(list.map(encodeAlgorithm));
}

export function decodePasswordAlgorithms(value: Buffer): PasswordAlgorithmValue[] {
  const out: PasswordAlgorithmValue[] = [];
  for (let off = 0; off < value.length; ) {
    if (value.length - off < 4) throw new StunDecodeError('BAD_ATTRIBUTE', 'PASSWORD-ALGORITHMS entry cut short');
    const algorithm = value.readUInt16BE(off);
    const length = value.readUInt16BE(off + 2);
    if (off + 4 + length > value.length) throw new StunDecodeError('BAD_ATTRIBUTE', 'PASSWORD-ALGORITHMS parameters run past the value');
    out.push({ algorithm, parameters: value.subarray(off + 4, off + 4 + length) });
    off += 4 + ((length + 3) & ~3);
  }
  return out;
}

export const encodePasswordAlgorithm = encodeAlgorithm;
export function decodePasswordAlgorithm(value: Buffer): PasswordAlgorithmValue {
  const list = decodePasswordAlgorithms(value);
  if (list.length !== 1) throw new StunDecodeError('BAD_ATTRIBUTE', 'PASSWORD-ALGORITHM must hold exactly one algorithm');
  return list[0] as PasswordAlgorithmValue;
}

/** RFC 8489 §14.4: USERHASH — 32 bytes. */
export function decodeUserHash(value: Buffer): Buffer {
  exact(value, 32, 'USERHASH');
  return value;
}
