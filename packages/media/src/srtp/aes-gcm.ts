import { createCipheriv, createDecipheriv } from 'node:crypto';
import { SrtpError } from '../errors.ts';
import { SRTCP_CLEAR_HEADER, SRTCP_E_FLAG, SRTCP_INDEX_MASK } from './aes-cm.ts';
import type { SrtpSessionKeys } from './kdf.ts';

/** RFC 7714 §15: the authentication tag is 16 octets for both AEAD_AES_128_GCM and AEAD_AES_256_GCM. */
export const GCM_TAG_LENGTH = 16;

/** RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt, 12 octets. */
export function gcmRtpIv(salt: Uint8Array, ssrc: number, roc: number, seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(roc >>> 0, 6);
  iv.writeUInt16BE(seq, 10);
  for (let i = 0; i < 12; i++) iv[i] = (iv[i] as number) ^ (salt[i] as number);
  return iv;
}

/** RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || 31-bit SRTCP index) XOR salt; the E flag is not in it. */
export function gcmRtcpIv(salt: Uint8Array, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(index & SRTCP_INDEX_MASK, 8);
  for (let i = 0; i < 12; i++) iv[i] = (iv[i] as number) ^ (salt[i] as number);
  return iv;
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' {
  return key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
}

function seal(key: Uint8Array, iv: Buffer, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv(algorithm(key), key, iv, { authTagLength: GCM_TAG_LENGTH });
  c.setAAD(aad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function open(key: Uint8Array, iv: Buffer, aad: Uint8Array, sealed: Uint8Array, what: string): Buffer {
  const d = createDecipheriv(algorithm(key), key, iv, { authTagLength: GCM_TAG_LENGTH });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_LENGTH));
  const plaintext = d.update(sealed.subarray(0, sealed.length - GCM_TAG_LENGTH));
  try {
    return Buffer.concat([plaintext, d.final()]);
  } catch (err) {
    throw new SrtpError('AUTH_FAILED', `${what} authentication tag mismatch`, { cause: err });
  }
}

/** RFC 7714 §8.2: the AAD is the whole RTP header (CSRCs and extension included); payload || tag follows it. */
export function gcmProtectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number): Buffer {
  const iv = gcmRtpIv(keys.salt, packet.readUInt32BE(8), roc, packet.readUInt16BE(2));
  const header = packet.subarray(0, headerLength);
  return Buffer.concat([header, seal(keys.encryptionKey, iv, header, packet.subarray(headerLength))]);
}

export function gcmUnprotectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number): Buffer {
  const iv = gcmRtpIv(keys.salt, packet.readUInt32BE(8), roc, packet.readUInt16BE(2));
  const header = packet.subarray(0, headerLength);
  return Buffer.concat([header, open(keys.encryptionKey, iv, header, packet.subarray(headerLength), 'SRTP')]);
}

function trailer(word: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(word >>> 0, 0);
  return b;
}

/**
 * RFC 7714 §9.1 (Figure 3): header(8) || ciphertext || tag || E|SRTCP index; the AAD is header || E|index.
 */
export function gcmProtectRtcp(keys: SrtpSessionKeys, packet: Buffer, index: number): Buffer {
  const word = trailer(SRTCP_E_FLAG | index);
  const header = packet.subarray(0, SRTCP_CLEAR_HEADER);
  const iv = gcmRtcpIv(keys.salt, packet.readUInt32BE(4), index);
  return Buffer.concat([header, seal(keys.encryptionKey, iv, Buffer.concat([header, word]), packet.subarray(SRTCP_CLEAR_HEADER)), word]);
}

/**
 * With the E flag clear (RFC 7714 §9.2) the whole packet is AAD (followed by E|index) and the plaintext is empty,
 * so only the tag sits between packet and trailer.
 */
export function gcmUnprotectRtcp(keys: SrtpSessionKeys, packet: Buffer): { packet: Buffer; index: number } {
  const word = packet.subarray(packet.length - 4);
  const value = word.readUInt32BE(0);
  const index = value & SRTCP_INDEX_MASK;
  const iv = gcmRtcpIv(keys.salt, packet.readUInt32BE(4), index);
  const sealed = packet.subarray(0, packet.length - 4);
  if (value & SRTCP_E_FLAG) {
    const header = packet.subarray(0, SRTCP_CLEAR_HEADER);
    const body = open(keys.encryptionKey, iv, Buffer.concat([header, word]), sealed.subarray(SRTCP_CLEAR_HEADER), 'SRTCP');
    return { packet: Buffer.concat([header, body]), index };
  }
  const clear = sealed.subarray(0, sealed.length - GCM_TAG_LENGTH);
  open(keys.encryptionKey, iv, Buffer.concat([clear, word]), sealed.subarray(sealed.length - GCM_TAG_LENGTH), 'SRTCP');
  return { packet: Buffer.from(clear), index };
}
