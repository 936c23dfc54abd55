import { createHmac, timingSafeEqual } from 'node:crypto';
import { SrtpError } from '../errors.ts';
import { aesCtr, type SrtpSessionKeys } from './kdf.ts';

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
