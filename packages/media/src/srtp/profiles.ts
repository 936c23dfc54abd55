/** SRTP protection profiles: RFC 5764 §4.1.2 (AES-CM + HMAC-SHA1) and RFC 7714 §14.2 (AES-GCM). */
export type SrtpProfile = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | 'AEAD_AES_128_GCM' | 'AEAD_AES_256_GCM';

export interface SrtpProfileParameters {
  /** The two-byte DTLS-SRTP protection profile identifier (use_srtp extension). */
  dtlsId: number;
  aead: boolean;
  /** Master (and session) encryption key length in bytes. */
  keyLength: number;
  /** Master (and session) salt length: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for GCM (RFC 7714 §12). */
  saltLength: number;
  /** Session authentication key length: 160 bits for HMAC-SHA1 (RFC 3711 §8.2); none for AEAD. */
  authKeyLength: number;
  rtpTagLength: number;
  /** RFC 5764 §4.1.2: SRTCP keeps the 80-bit tag even in the _32 profile. */
  rtcpTagLength: number;
}

export const SRTP_PROFILES: Readonly<Record<SrtpProfile, SrtpProfileParameters>> = {
  AES_CM_128_HMAC_SHA1_80: { dtlsId: 0x0001, aead: false, keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { dtlsId: 0x0002, aead: false, keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10 },
  // RFC 7714 §14.2: 16-octet authentication tag for both SRTP and SRTCP.
  AEAD_AES_128_GCM: { dtlsId: 0x0007, aead: true, keyLength: 16, saltLength: 12, authKeyLength: 0, rtpTagLength: 16, rtcpTagLength: 16 },
  AEAD_AES_256_GCM: { dtlsId: 0x0008, aead: true, keyLength: 32, saltLength: 12, authKeyLength: 0, rtpTagLength: 16, rtcpTagLength: 16 },
};

export function srtpProfileFromDtlsId(id: number): SrtpProfile | undefined {
  return (Object.keys(SRTP_PROFILES) as SrtpProfile[]).find((p) => SRTP_PROFILES[p].dtlsId === id);
}

export interface SrtpMasterKeys {
  masterKey: Buffer;
  masterSalt: Buffer;
}

/**
 * RFC 5764 §4.2: the DTLS exporter output ("EXTRACTOR-dtls_srtp") is client_write_SRTP_master_key |
 * server_write_SRTP_master_key | client_write_SRTP_master_salt | server_write_SRTP_master_salt.
 */
export function splitDtlsSrtpKeyingMaterial(profile: SrtpProfile, material: Uint8Array): { client: SrtpMasterKeys; server: SrtpMasterKeys } {
  const { keyLength: k, saltLength: s } = SRTP_PROFILES[profile];
  if (material.length !== 2 * (k + s)) throw new RangeError(`${profile} needs ${2 * (k + s)} bytes of keying material, got ${material.length}`);
  const m = Buffer.from(material);
  return {
    client: { masterKey: m.subarray(0, k), masterSalt: m.subarray(2 * k, 2 * k + s) },
    server: { masterKey: m.subarray(k, 2 * k), masterSalt: m.subarray(2 * k + s, 2 * (k + s)) },
  };
}
