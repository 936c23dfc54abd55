import { createCipheriv } from 'node:crypto';
import { SRTP_PROFILES, type SrtpProfile } from './profiles.ts';

/** RFC 3711 §4.3.1 (SRTP) and §4.3.2 (SRTCP) key derivation labels. */
export const SrtpLabel = { RTP_ENCRYPTION: 0x00, RTP_AUTH: 0x01, RTP_SALT: 0x02, RTCP_ENCRYPTION: 0x03, RTCP_AUTH: 0x04, RTCP_SALT: 0x05 } as const;

/** AES in counter mode: `data` XOR the keystream starting at counter block `iv`. */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const cipher = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/**
 * The AES-CM PRF of RFC 3711 §4.3.3: x = (label || r) XOR master_salt, where r = index DIV key_derivation_rate
 * (48 bits, 0 when the rate is 0 as in DTLS-SRTP), then the first `length` bytes of the AES-CM keystream under the
 * master key with IV = x * 2^16 (§4.3.1).
 *
 * A 96-bit GCM master salt (RFC 7714 §11) sits left-aligned in the 14-byte field, zero-padded on the right, as
 * libsrtp and pion/srtp place it.
 */
export function deriveSessionKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number, r = 0): Buffer {
  if (masterSalt.length > 14) throw new RangeError('an SRTP master salt is at most 112 bits');
  const iv = Buffer.alloc(16);
  iv.set(masterSalt, 0);
  iv[7] = (iv[7] as number) ^ label;
  // r occupies octets 8..13 (48 bits), right-aligned against the salt.
  const high = Math.floor(r / 0x1_0000_0000);
  iv.writeUInt16BE((iv.readUInt16BE(8) ^ high) & 0xffff, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ r) >>> 0, 10);
  return aesCtr(masterKey, iv, Buffer.alloc(length));
}

export interface SrtpSessionKeys {
  encryptionKey: Buffer;
  salt: Buffer;
  /** Empty for AEAD profiles: GCM authenticates with the encryption key (RFC 7714 §11). */
  authKey: Buffer;
}

/** Derives the SRTP and SRTCP session keys of one direction (RFC 3711 §4.3, RFC 7714 §11). */
export function deriveSessionKeys(profile: SrtpProfile, masterKey: Uint8Array, masterSalt: Uint8Array): { rtp: SrtpSessionKeys; rtcp: SrtpSessionKeys } {
  const p = SRTP_PROFILES[profile];
  if (masterKey.length !== p.keyLength) throw new RangeError(`${profile} needs a ${p.keyLength}-byte master key, got ${masterKey.length}`);
  if (masterSalt.length !== p.saltLength) throw new RangeError(`${profile} needs a ${p.saltLength}-byte master salt, got ${masterSalt.length}`);
  const derive = (enc: number, auth: number, salt: number): SrtpSessionKeys => ({
    encryptionKey: deriveSessionKey(masterKey, masterSalt, enc, p.keyLength),
    salt: deriveSessionKey(masterKey, masterSalt, salt, p.saltLength),
    authKey: deriveSessionKey(masterKey, masterSalt, auth, p.authKeyLength),
  });
  return {
    rtp: derive(SrtpLabel.RTP_ENCRYPTION, SrtpLabel.RTP_AUTH, SrtpLabel.RTP_SALT),
    rtcp: derive(SrtpLabel.RTCP_ENCRYPTION, SrtpLabel.RTCP_AUTH, SrtpLabel.RTCP_SALT),
  };
}
