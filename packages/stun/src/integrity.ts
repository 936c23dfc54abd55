import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Attr, HEADER_LENGTH } from './constants.ts';
import type { DecodedStunMessage } from './message.ts';

export function hmacSha1(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha1', key).update(data).digest();
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 8489 §18.5: PASSWORD-ALGORITHM values. */
export const PasswordAlgorithm = { MD5: 0x0001, 'SHA-256': 0x0002 } as const;
export type PasswordAlgorithmName = keyof typeof PasswordAlgorithm;

/**
 * RFC 8489 §9.2.2: the long-term key is MD5 (or SHA-256 with PASSWORD-ALGORITHM) of
 * `username ":" OpaqueString(realm) ":" OpaqueString(password)`. Callers pass strings that are
 * already in their prepared form (OpaqueString is the identity for ASCII).
 */
export function longTermKey(username: string, realm: string, password: string, algorithm: PasswordAlgorithmName = 'MD5'): Buffer {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

/** RFC 8489 §9.1.1: the short-term key is the password itself. */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(password, 'utf8');
}

/** RFC 8489 §14.4: USERHASH = SHA-256(username ":" realm). */
export function userHash(username: string, realm: string): Buffer {
  return createHash('sha256').update(`${username}:${realm}`, 'utf8').digest();
}

function check(msg: DecodedStunMessage, type: number, mac: (key: Uint8Array, data: Uint8Array) => Buffer, key: Uint8Array): boolean {
  const i = msg.attributes.findIndex((a) => a.type === type);
  if (i < 0) return false;
  const value = (msg.attributes[i] as { value: Buffer }).value;
  const offset = msg.offsets[i] as number;
  // The length in the hashed header ends with this attribute (RFC 8489 §14.5, §14.6).
  const header = Buffer.from(msg.raw.subarray(0, HEADER_LENGTH));
  header.writeUInt16BE(offset + 4 + value.length - HEADER_LENGTH, 2);
  const expected = mac(key, Buffer.concat([header, msg.raw.subarray(HEADER_LENGTH, offset)]));
  if (type === Attr['MESSAGE-INTEGRITY']) return value.length === 20 && timingSafeEqual(value, expected);
  // MESSAGE-INTEGRITY-SHA256 may be truncated to 16–32 bytes in steps of 4 (§14.6).
  if (value.length < 16 || value.length > 32 || value.length % 4 !== 0) return false;
  return timingSafeEqual(value, expected.subarray(0, value.length));
}

/** True when MESSAGE-INTEGRITY is present and matches under `key`. */
export function verifyIntegrity(msg: DecodedStunMessage, key: Uint8Array): boolean {
  return check(msg, Attr['MESSAGE-INTEGRITY'], hmacSha1, key);
}

/** True when MESSAGE-INTEGRITY-SHA256 is present and matches under `key`. */
export function verifyIntegritySha256(msg: DecodedStunMessage, key: Uint8Array): boolean {
  return check(msg, Attr['MESSAGE-INTEGRITY-SHA256'], hmacSha256, key);
}
