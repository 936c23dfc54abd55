import { SrtpError } from '../errors.ts';
import { AesCmKeystream } from './aes-cm-keystream.ts';
import { HmacSha1, tagMatches, writeTag } from './hmac-sha1.ts';
import { KeystreamAhead } from './keystream-ahead.ts';
import type { SrtpSessionKeys } from './kdf.ts';

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

/**
 * AES-CM encryption with HMAC-SHA1 authentication (RFC 3711 §4.1.1, §4.2.1) for one set of session keys (SRTP or
 * SRTCP) and one tag length. Holds a persistent AES-ECB cipher and the precomputed HMAC pads, so a packet costs one
 * ECB `update`, two one-shot hashes and one output allocation; outputs are fresh buffers, inputs are never mutated.
 *
 * Not re-entrant (it reuses scratch buffers): one instance per SrtpSession direction, used synchronously.
 */
export class AesCmTransform {
  readonly tagLength: number;
  readonly #keystream: AesCmKeystream;
  /** The keystream of a sender's next packets, made several at a time (either direction: indices only grow). */
  readonly #ahead: KeystreamAhead;
  readonly #hmac: HmacSha1;
  readonly #salt: Buffer;
  /** Scratch counter block; the keystream copies it before returning. */
  readonly #iv = Buffer.alloc(16);

  constructor(keys: SrtpSessionKeys, tagLength: number) {
    if (keys.salt.length < 14) throw new RangeError(`an AES-CM session salt is 112 bits, got ${keys.salt.length * 8}`);
    if (!Number.isInteger(tagLength) || tagLength < 1 || tagLength > 20) throw new RangeError(`an HMAC-SHA1 tag is 1 to 20 bytes, got ${tagLength}`);
    this.tagLength = tagLength;
    this.#keystream = new AesCmKeystream(keys.encryptionKey);
    this.#ahead = new KeystreamAhead(keys.encryptionKey, keys.salt);
    this.#hmac = new HmacSha1(keys.authKey);
    this.#salt = Buffer.from(keys.salt.subarray(0, 14));
  }

  /** §4.1.1 with the 48-bit index given as its high 16 and low 32 bits, so no float arithmetic is needed. */
  #setIv(ssrc: number, indexHigh: number, indexLow: number): Buffer {
    const iv = this.#iv;
    const salt = this.#salt;
    iv[0] = salt[0] as number;
    iv[1] = salt[1] as number;
    iv[2] = salt[2] as number;
    iv[3] = salt[3] as number;
    iv.writeUInt32BE((salt.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    iv.writeUInt16BE((salt.readUInt16BE(8) ^ indexHigh) & 0xffff, 8);
    iv.writeUInt32BE((salt.readUInt32BE(10) ^ indexLow) >>> 0, 10);
    return iv;
  }

  #rtpIv(packet: Buffer, roc: number): Buffer {
    // i = 2^16 * ROC + SEQ (RFC 3711 §3.3.1): high 16 bits are ROC's high half, low 32 are ROC's low half || SEQ.
    return this.#setIv(packet.readUInt32BE(8), roc >>> 16, ((roc & 0xffff) * 0x1_0000 + packet.readUInt16BE(2)) >>> 0);
  }

  /**
   * RFC 3711 §3.1, §4.2: the header is authenticated but not encrypted; the tag covers header || encrypted payload ||
   * ROC (the ROC is appended for the MAC only, never sent).
   */
  protectRtp(packet: Buffer, headerLength: number, roc: number): Buffer {
    const end = packet.length;
    // Every byte of `out` is written below (header, payload, tag), so the pooled unsafe allocation leaks nothing.
    const out = Buffer.allocUnsafe(end + this.tagLength);
    packet.copy(out, 0, 0, headerLength);
    this.#encryptRtp(packet, headerLength, end, roc, out);
    writeTag(this.#hmac.mac(out, 0, end, roc), out, end, this.tagLength);
    return out;
  }

  /**
   * `protectRtp` without the copy: encrypts `packet`'s payload where it is and writes the tag into the
   * `tagLength` bytes after it, which must be the caller's own (see FORWARDED_TAIL_ROOM). Returns the SRTP packet,
   * a view over the same memory.
   */
  protectRtpInPlace(packet: Buffer, headerLength: number, roc: number): Buffer {
    const end = packet.length;
    const out = Buffer.from(packet.buffer, packet.byteOffset, end + this.tagLength);
    this.#encryptRtp(out, headerLength, end, roc, out);
    // The MAC over `packet` (the same bytes, now encrypted): a whole buffer copies into the HMAC without a view.
    writeTag(this.#hmac.mac(packet, 0, end, roc), out, end, this.tagLength);
    return out;
  }

  /**
   * The payload `packet[headerLength, end)` encrypted (or, the same XOR, decrypted) into `out` at the same offset: from
   * the run kept ahead when it can. Inbound, only after the tag verified: an index from a forger never starts a run.
   */
  #encryptRtp(packet: Buffer, headerLength: number, end: number, roc: number, out: Buffer): void {
    const ssrc = packet.readUInt32BE(8);
    const index = roc * 0x1_0000 + packet.readUInt16BE(2);
    if (!this.#ahead.xor(ssrc, index, packet, headerLength, end, out, headerLength)) this.#keystream.xor(this.#rtpIv(packet, roc), packet, headerLength, end, out, headerLength);
  }

  /** Verifies the tag first (RFC 3711 §3.3 step 5), then decrypts. `packet` includes the tag. */
  unprotectRtp(packet: Buffer, headerLength: number, roc: number): Buffer {
    const end = packet.length - this.tagLength;
    if (!tagMatches(this.#hmac.mac(packet, 0, end, roc), packet, end, this.tagLength)) {
      throw new SrtpError('AUTH_FAILED', 'SRTP authentication tag mismatch');
    }
    // Its own memory, not a slice of Node's shared 8 KiB pool: a received packet is kept in the SFU's NACK cache
    // for seconds, and a pooled one would keep the whole slab (and the short-lived packets around it) alive.
    const out = Buffer.allocUnsafeSlow(end);
    packet.copy(out, 0, 0, headerLength);
    this.#encryptRtp(packet, headerLength, end, roc, out);
    return out;
  }

  /** `unprotectRtp` into `packet`'s own memory: returns the clear packet, a view without the tag. */
  unprotectRtpInPlace(packet: Buffer, headerLength: number, roc: number): Buffer {
    const end = packet.length - this.tagLength;
    if (!tagMatches(this.#hmac.mac(packet, 0, end, roc), packet, end, this.tagLength)) {
      throw new SrtpError('AUTH_FAILED', 'SRTP authentication tag mismatch');
    }
    this.#encryptRtp(packet, headerLength, end, roc, packet);
    return packet.subarray(0, end);
  }

  /** RFC 3711 §3.4: header || encrypted body || E|SRTCP index || tag, the tag covering everything before it. */
  protectRtcp(packet: Buffer, index: number): Buffer {
    const end = packet.length;
    const out = Buffer.allocUnsafe(end + 4 + this.tagLength);
    packet.copy(out, 0, 0, SRTCP_CLEAR_HEADER);
    this.#keystream.xor(this.#setIv(packet.readUInt32BE(4), 0, index), packet, SRTCP_CLEAR_HEADER, end, out, SRTCP_CLEAR_HEADER);
    out.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, end);
    writeTag(this.#hmac.mac(out, 0, end + 4), out, end + 4, this.tagLength);
    return out;
  }

  /** Returns the clear RTCP and its SRTCP index; decrypts only when the E flag is set (RFC 3711 §3.4). */
  unprotectRtcp(packet: Buffer): { packet: Buffer; index: number } {
    const tagAt = packet.length - this.tagLength;
    const trailerAt = tagAt - 4;
    if (!tagMatches(this.#hmac.mac(packet, 0, tagAt), packet, tagAt, this.tagLength)) {
      throw new SrtpError('AUTH_FAILED', 'SRTCP authentication tag mismatch');
    }
    const word = packet.readUInt32BE(trailerAt);
    const index = word & SRTCP_INDEX_MASK;
    const out = Buffer.allocUnsafe(trailerAt);
    if (word & SRTCP_E_FLAG) {
      packet.copy(out, 0, 0, SRTCP_CLEAR_HEADER);
      this.#keystream.xor(this.#setIv(packet.readUInt32BE(4), 0, index), packet, SRTCP_CLEAR_HEADER, trailerAt, out, SRTCP_CLEAR_HEADER);
    } else {
      packet.copy(out, 0, 0, trailerAt);
    }
    return { packet: out, index };
  }
}

// One-shot forms (tests, tools): each builds a transform, so they cost more per packet than a kept AesCmTransform.

export function cmProtectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number, tagLength: number): Buffer {
  return new AesCmTransform(keys, tagLength).protectRtp(packet, headerLength, roc);
}

export function cmUnprotectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number, tagLength: number): Buffer {
  return new AesCmTransform(keys, tagLength).unprotectRtp(packet, headerLength, roc);
}

export function cmProtectRtcp(keys: SrtpSessionKeys, packet: Buffer, index: number, tagLength: number): Buffer {
  return new AesCmTransform(keys, tagLength).protectRtcp(packet, index);
}

export function cmUnprotectRtcp(keys: SrtpSessionKeys, packet: Buffer, tagLength: number): { packet: Buffer; index: number } {
  return new AesCmTransform(keys, tagLength).unprotectRtcp(packet);
}
