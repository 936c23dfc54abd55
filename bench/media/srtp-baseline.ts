/**
 * The SRTP/SRTCP transforms as they were before the per-packet optimisation (a fresh `createCipheriv` and
 * `createHmac` per packet), kept verbatim so bench/media/srtp.ts can print the before/after ratio. Not used by
 * the server. Only the imports changed (they now come from @parley/media).
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { SrtpError, type SrtpSessionKeys } from '@parley/media';

/** AES in counter mode: `data` XOR the keystream starting at counter block `iv`. */
function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const cipher = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** RFC 3711 §3.4: the E flag (top bit of the SRTCP trailer word) says the payload is encrypted. */
export const SRTCP_E_FLAG = 0x8000_0000;
/** RFC 3711 §3.4: the SRTCP index is 31 bits. */
export const SRTCP_INDEX_MASK = 0x7fff_ffff;
/** RFC 3711 §3.4: header (V/P/RC/PT/length) and sender SSRC stay in the clear. */
export const SRTCP_CLEAR_HEADER = 8;

/**
 * RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), with i the 48-bit packet index (SRTP) or the
 * 31-bit SRTCP index.
 */
export function aesCmIv(salt: Uint8Array, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(salt.subarray(0, 14), 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt16BE((iv.readUInt16BE(8) ^ Math.floor(index / 0x1_0000_0000)) & 0xffff, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
  return iv;
}

/** RFC 3711 §4.2: HMAC-SHA1 over the authenticated portion, truncated to the tag length (leftmost bits). */
function hmacTag(authKey: Uint8Array, tagLength: number, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha1', authKey);
  for (const part of parts) h.update(part);
  return h.digest().subarray(0, tagLength);
}

function rocBytes(roc: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(roc >>> 0, 0);
  return b;
}

/**
 * RFC 3711 §3.1, §4.2: the header is authenticated but not encrypted; the tag covers header || encrypted payload || ROC
 * (the ROC is appended for the MAC only, never sent).
 */
export function cmProtectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number, tagLength: number): Buffer {
  const ssrc = packet.readUInt32BE(8);
  const index = roc * 0x1_0000 + packet.readUInt16BE(2);
  const encrypted = aesCtr(keys.encryptionKey, aesCmIv(keys.salt, ssrc, index), packet.subarray(headerLength));
  const out = Buffer.alloc(packet.length + tagLength);
  packet.copy(out, 0, 0, headerLength);
  encrypted.copy(out, headerLength);
  hmacTag(keys.authKey, tagLength, out.subarray(0, packet.length), rocBytes(roc)).copy(out, packet.length);
  return out;
}

/** Verifies the tag first (RFC 3711 §3.3 step 5), then decrypts. `packet` includes the tag. */
export function cmUnprotectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number, tagLength: number): Buffer {
  const end = packet.length - tagLength;
  const expected = hmacTag(keys.authKey, tagLength, packet.subarray(0, end), rocBytes(roc));
  if (!timingSafeEqual(expected, packet.subarray(end))) throw new SrtpError('AUTH_FAILED', 'SRTP authentication tag mismatch');
  const ssrc = packet.readUInt32BE(8);
  const index = roc * 0x1_0000 + packet.readUInt16BE(2);
  const out = Buffer.alloc(end);
  packet.copy(out, 0, 0, headerLength);
  aesCtr(keys.encryptionKey, aesCmIv(keys.salt, ssrc, index), packet.subarray(headerLength, end)).copy(out, headerLength);
  return out;
}

/** RFC 3711 §3.4: header || encrypted body || E|SRTCP index || tag, the tag covering everything before it. */
export function cmProtectRtcp(keys: SrtpSessionKeys, packet: Buffer, index: number, tagLength: number): Buffer {
  const ssrc = packet.readUInt32BE(4);
  const encrypted = aesCtr(keys.encryptionKey, aesCmIv(keys.salt, ssrc, index), packet.subarray(SRTCP_CLEAR_HEADER));
  const out = Buffer.alloc(packet.length + 4 + tagLength);
  packet.copy(out, 0, 0, SRTCP_CLEAR_HEADER);
  encrypted.copy(out, SRTCP_CLEAR_HEADER);
  out.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, packet.length);
  hmacTag(keys.authKey, tagLength, out.subarray(0, packet.length + 4)).copy(out, packet.length + 4);
  return out;
}

/** Returns the clear RTCP and its SRTCP index; decrypts only when the E flag is set (RFC 3711 §3.4). */
export function cmUnprotectRtcp(keys: SrtpSessionKeys, packet: Buffer, tagLength: number): { packet: Buffer; index: number } {
  const trailerAt = packet.length - tagLength - 4;
  const expected = hmacTag(keys.authKey, tagLength, packet.subarray(0, packet.length - tagLength));
  if (!timingSafeEqual(expected, packet.subarray(packet.length - tagLength))) throw new SrtpError('AUTH_FAILED', 'SRTCP authentication tag mismatch');
  const word = packet.readUInt32BE(trailerAt);
  const index = word & SRTCP_INDEX_MASK;
  const out = Buffer.from(packet.subarray(0, trailerAt));
  if (word & SRTCP_E_FLAG) {
    const ssrc = packet.readUInt32BE(4);
    aesCtr(keys.encryptionKey, aesCmIv(keys.salt, ssrc, index), packet.subarray(SRTCP_CLEAR_HEADER, trailerAt)).copy(out, SRTCP_CLEAR_HEADER);
  }
  return { packet: out, index };
}

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
