import { createCipheriv, createDecipheriv } from 'node:crypto';
import { SrtpError } from '../errors.ts';
import { SRTCP_CLEAR_HEADER, SRTCP_E_FLAG, SRTCP_INDEX_MASK } from './aes-cm.ts';
import type { SrtpSessionKeys } from './kdf.ts';

/** RFC 7714 §15: the authentication tag is 16 octets for both AEAD_AES_128_GCM and AEAD_AES_256_GCM. */
export const GCM_TAG_LENGTH = 16;
const GCM_OPTIONS = { authTagLength: GCM_TAG_LENGTH } as const;

/** RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt, 12 octets. */
export function gcmRtpIv(salt: Uint8Array, ssrc: number, roc: number, seq: number, into = Buffer.alloc(12)): Buffer {
  into.writeUInt16BE(0, 0);
  into.writeUInt32BE(ssrc >>> 0, 2);
  into.writeUInt32BE(roc >>> 0, 6);
  into.writeUInt16BE(seq, 10);
  for (let i = 0; i < 12; i++) into[i] = (into[i] as number) ^ (salt[i] as number);
  return into;
}

/** RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || 31-bit SRTCP index) XOR salt; the E flag is not in it. */
export function gcmRtcpIv(salt: Uint8Array, ssrc: number, index: number, into = Buffer.alloc(12)): Buffer {
  into.writeUInt16BE(0, 0);
  into.writeUInt32BE(ssrc >>> 0, 2);
  into.writeUInt16BE(0, 6);
  into.writeUInt32BE(index & SRTCP_INDEX_MASK, 8);
  for (let i = 0; i < 12; i++) into[i] = (into[i] as number) ^ (salt[i] as number);
  return into;
}

/**
 * AEAD_AES_128_GCM / AEAD_AES_256_GCM (RFC 7714) for one set of session keys. Node can only set a GCM IV when it
 * creates the cipher, so each packet still needs a `createCipheriv`/`createDecipheriv` (the bulk of its ~5 µs); what
 * this saves over the one-shot functions is the IV/AAD allocations and the `Buffer.concat` copies: the output is
 * allocated once and written in place. Prefer AES-CM where both ends allow it (bench/media/srtp.ts has the figures).
 *
 * Not re-entrant (scratch IV and AAD buffers): one instance per SrtpSession direction, used synchronously.
 */
export class AesGcmTransform {
  readonly tagLength = GCM_TAG_LENGTH;
  readonly #key: Buffer;
  readonly #algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  readonly #salt: Buffer;
  /** createCipheriv copies the IV, so one scratch serves every packet. */
  readonly #iv = Buffer.alloc(12);
  /** SRTCP AAD for an encrypted packet: header(8) || E|index(4) (RFC 7714 §9.1). */
  readonly #rtcpAad = Buffer.alloc(SRTCP_CLEAR_HEADER + 4);

  constructor(keys: SrtpSessionKeys) {
    if (keys.encryptionKey.length !== 16 && keys.encryptionKey.length !== 32) throw new RangeError(`an SRTP AES-GCM key is 16 or 32 bytes, got ${keys.encryptionKey.length}`);
    if (keys.salt.length < 12) throw new RangeError(`an SRTP AES-GCM salt is 96 bits, got ${keys.salt.length * 8}`);
    this.#key = Buffer.from(keys.encryptionKey);
    this.#algorithm = keys.encryptionKey.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    this.#salt = Buffer.from(keys.salt.subarray(0, 12));
  }

  /** Encrypts `plaintext[start, end)` into `out` at `outOffset`, then writes the tag at `tagOffset`. */
  #seal(iv: Buffer, aad: Uint8Array, plaintext: Buffer, start: number, end: number, out: Buffer, outOffset: number, tagOffset: number): void {
    const c = createCipheriv(this.#algorithm, this.#key, iv, GCM_OPTIONS);
    c.setAAD(aad);
    c.update(plaintext.subarray(start, end)).copy(out, outOffset);
    c.final();
    c.getAuthTag().copy(out, tagOffset);
  }

  /** Decrypts `sealed[start, tagAt)` into `out` at `outOffset` and checks the tag at `tagAt`. */
  #open(iv: Buffer, aad: Uint8Array, sealed: Buffer, start: number, tagAt: number, out: Buffer, outOffset: number, what: string): void {
    const d = createDecipheriv(this.#algorithm, this.#key, iv, GCM_OPTIONS);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(tagAt, tagAt + GCM_TAG_LENGTH));
    const plaintext = d.update(sealed.subarray(start, tagAt));
    try {
      d.final();
    } catch (err) {
      throw new SrtpError('AUTH_FAILED', `${what} authentication tag mismatch`, { cause: err });
    }
    plaintext.copy(out, outOffset);
  }

  /** RFC 7714 §8.2: the AAD is the whole RTP header (CSRCs and extension included); payload || tag follows it. */
  protectRtp(packet: Buffer, headerLength: number, roc: number): Buffer {
    const iv = gcmRtpIv(this.#salt, packet.readUInt32BE(8), roc, packet.readUInt16BE(2), this.#iv);
    const out = Buffer.allocUnsafe(packet.length + GCM_TAG_LENGTH); // every byte written below
    packet.copy(out, 0, 0, headerLength);
    this.#seal(iv, out.subarray(0, headerLength), packet, headerLength, packet.length, out, headerLength, packet.length);
    return out;
  }

  unprotectRtp(packet: Buffer, headerLength: number, roc: number): Buffer {
    const iv = gcmRtpIv(this.#salt, packet.readUInt32BE(8), roc, packet.readUInt16BE(2), this.#iv);
    const tagAt = packet.length - GCM_TAG_LENGTH;
    const out = Buffer.allocUnsafe(tagAt);
    this.#open(iv, packet.subarray(0, headerLength), packet, headerLength, tagAt, out, headerLength, 'SRTP');
    packet.copy(out, 0, 0, headerLength);
    return out;
  }

  /** RFC 7714 §9.1 (Figure 3): header(8) || ciphertext || tag || E|SRTCP index; the AAD is header || E|index. */
  protectRtcp(packet: Buffer, index: number): Buffer {
    const end = packet.length;
    const out = Buffer.allocUnsafe(end + GCM_TAG_LENGTH + 4);
    packet.copy(out, 0, 0, SRTCP_CLEAR_HEADER);
    out.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, end + GCM_TAG_LENGTH);
    const aad = this.#rtcpAad;
    packet.copy(aad, 0, 0, SRTCP_CLEAR_HEADER);
    out.copy(aad, SRTCP_CLEAR_HEADER, end + GCM_TAG_LENGTH);
    const iv = gcmRtcpIv(this.#salt, packet.readUInt32BE(4), index, this.#iv);
    this.#seal(iv, aad, packet, SRTCP_CLEAR_HEADER, end, out, SRTCP_CLEAR_HEADER, end);
    return out;
  }

  /**
   * With the E flag clear (RFC 7714 §9.2) the whole packet is AAD (followed by E|index) and the plaintext is empty,
   * so only the tag sits between packet and trailer.
   */
  unprotectRtcp(packet: Buffer): { packet: Buffer; index: number } {
    const trailerAt = packet.length - 4;
    const tagAt = trailerAt - GCM_TAG_LENGTH;
    const word = packet.readUInt32BE(trailerAt);
    const index = word & SRTCP_INDEX_MASK;
    const iv = gcmRtcpIv(this.#salt, packet.readUInt32BE(4), index, this.#iv);
    const out = Buffer.allocUnsafe(tagAt);
    if (word & SRTCP_E_FLAG) {
      const aad = this.#rtcpAad;
      packet.copy(aad, 0, 0, SRTCP_CLEAR_HEADER);
      packet.copy(aad, SRTCP_CLEAR_HEADER, trailerAt);
      this.#open(iv, aad, packet, SRTCP_CLEAR_HEADER, tagAt, out, SRTCP_CLEAR_HEADER, 'SRTCP');
      packet.copy(out, 0, 0, SRTCP_CLEAR_HEADER);
    } else {
      const aad = Buffer.allocUnsafe(tagAt + 4);
      packet.copy(aad, 0, 0, tagAt);
      packet.copy(aad, tagAt, trailerAt);
      this.#open(iv, aad, packet, tagAt, tagAt, out, tagAt, 'SRTCP');
      packet.copy(out, 0, 0, tagAt);
    }
    return { packet: out, index };
  }
}

// One-shot forms (tests, tools): each builds a transform.

export function gcmProtectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number): Buffer {
  return new AesGcmTransform(keys).protectRtp(packet, headerLength, roc);
}

export function gcmUnprotectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number): Buffer {
  return new AesGcmTransform(keys).unprotectRtp(packet, headerLength, roc);
}

export function gcmProtectRtcp(keys: SrtpSessionKeys, packet: Buffer, index: number): Buffer {
  return new AesGcmTransform(keys).protectRtcp(packet, index);
}

export function gcmUnprotectRtcp(keys: SrtpSessionKeys, packet: Buffer): { packet: Buffer; index: number } {
  return new AesGcmTransform(keys).unprotectRtcp(packet);
}
