import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SrtpLabel, SrtpSession, aesCmIv, aesCtr, cmProtectRtp, deriveSessionKey, deriveSessionKeys, gcmProtectRtcp, gcmProtectRtp,
  gcmRtcpIv, gcmRtpIv, gcmUnprotectRtcp, gcmUnprotectRtp,
} from './index.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 3711 Appendix B.3 (key derivation) and the libsrtp reference packet (test/srtp_driver.c) share this master key.
const B3_MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const B3_MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');

describe('RFC 3711 Appendix B.2: AES-CM keystream', () => {
  const sessionKey = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const sessionSalt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');

  it('builds the counter from salt, SSRC 0 and index 0 (§4.1.1)', () => {
    expect(aesCmIv(sessionSalt, 0, 0).toString('hex').toUpperCase()).toBe('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
  });

  it('produces the listed keystream blocks over the whole 65282-block segment', () => {
    const keystream = aesCtr(sessionKey, aesCmIv(sessionSalt, 0, 0), Buffer.alloc(65282 * 16));
    const block = (n: number): string => keystream.subarray(n * 16, n * 16 + 16).toString('hex').toUpperCase();
    expect(block(0x0000)).toBe('E03EAD0935C95E80E166B16DD92B4EB4');
    expect(block(0x0001)).toBe('D23513162B02D0F72A43A2FE4A5F97AB');
    expect(block(0x0002)).toBe('41E95B3BB0A2E8DD477901E4FCA894C0');
    expect(block(0xfeff)).toBe('EC8CDF7398607CB0F2D21675EA9EA1E4');
    expect(block(0xff00)).toBe('362B7C3C6773516318A077D7FC5073AE');
    expect(block(0xff01)).toBe('6A2CC3787889374FBEB4C81B17BA6C44');
  });

  it('is what the SRTP transform XORs into a zero payload of SSRC 0, sequence 0', () => {
    const rtp = Buffer.concat([hex('80000000 00000000 00000000'), Buffer.alloc(48)]);
    const keys = { encryptionKey: sessionKey, salt: sessionSalt, authKey: Buffer.alloc(20) };
    const out = cmProtectRtp(keys, rtp, 12, 0, 10);
    expect(out.subarray(12, 60).toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
    );
  });
});

describe('RFC 3711 Appendix B.3: key derivation', () => {
  it('derives the cipher key, cipher salt and the full 94-octet auth key', () => {
    expect(deriveSessionKey(B3_MASTER_KEY, B3_MASTER_SALT, SrtpLabel.RTP_ENCRYPTION, 16).toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(deriveSessionKey(B3_MASTER_KEY, B3_MASTER_SALT, SrtpLabel.RTP_SALT, 14).toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(deriveSessionKey(B3_MASTER_KEY, B3_MASTER_SALT, SrtpLabel.RTP_AUTH, 94).toString('hex').toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A15' + '6D38BAA48F0A0ACF3C34E2359E6CDBCE' + 'E049646C43D9327AD175578EF7227098' +
        '6371C10C9A369AC2F94A8C5FBCDDDC25' + '6D6E919A48B610EF17C2041E47403576' + '6B68642C59BBFC2F34DB60DBDFB2',
    );
  });

  it('deriveSessionKeys gives the profile lengths (20-byte HMAC-SHA1 key, RFC 3711 §8.2)', () => {
    const { rtp, rtcp } = deriveSessionKeys('AES_CM_128_HMAC_SHA1_80', B3_MASTER_KEY, B3_MASTER_SALT);
    expect(rtp.encryptionKey.toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(rtp.salt.toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(rtp.authKey.toString('hex').toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
    // SRTCP uses labels 3–5 (§4.3.2): different keys from the same master.
    expect(rtcp.encryptionKey.equals(rtp.encryptionKey)).toBe(false);
    expect(rtcp.encryptionKey.equals(deriveSessionKey(B3_MASTER_KEY, B3_MASTER_SALT, SrtpLabel.RTCP_ENCRYPTION, 16))).toBe(true);
  });

  it('cross-check: the PRF is one AES-ECB block of (salt XOR label) * 2^16 (independent node:crypto computation)', () => {
    const block = Buffer.alloc(16);
    B3_MASTER_SALT.copy(block);
    block[7] = (block[7] as number) ^ SrtpLabel.RTCP_SALT;
    const ecb = createCipheriv('aes-128-ecb', B3_MASTER_KEY, null).setAutoPadding(false).update(block);
    expect(deriveSessionKey(B3_MASTER_KEY, B3_MASTER_SALT, SrtpLabel.RTCP_SALT, 14).equals(ecb.subarray(0, 14))).toBe(true);
  });
});

describe('AES_CM_128_HMAC_SHA1_80 reference packets (libsrtp test/srtp_driver.c, B.3 master key)', () => {
  const plainRtp = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
  const protectedRtp = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
  const plainRtcp = hex('81c8000bcafebabe' + 'ab'.repeat(16));
  const protectedRtcp = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');
  const session = (): SrtpSession => new SrtpSession({ profile: 'AES_CM_128_HMAC_SHA1_80', masterKey: B3_MASTER_KEY, masterSalt: B3_MASTER_SALT });

  it('protects RTP to the reference bytes and back', () => {
    expect(session().protectRtp(plainRtp).equals(protectedRtp)).toBe(true);
    expect(session().unprotectRtp(protectedRtp).equals(plainRtp)).toBe(true);
  });

  it('protects RTCP with SRTCP index 1 to the reference bytes and back', () => {
    expect(session().protectRtcp(plainRtcp, 1).equals(protectedRtcp)).toBe(true);
    expect(session().unprotectRtcp(protectedRtcp).equals(plainRtcp)).toBe(true);
  });
});

// RFC 7714 §16 and §17 give session keys directly (no KDF step): key 000102…0f, salt "Quid pro quo".
const GCM_KEY_128 = hex('000102030405060708090a0b0c0d0e0f');
const GCM_KEY_256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const GCM_SALT = hex('517569642070726f2071756f');
const GCM_RTP = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
  69736120 696e2070 61727465 73207472 6573`);
const GCM_RTCP = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
  deadbeef deadbeef deadbeef deadbeef deadbeef`);
const gcmKeys = (key: Buffer) => ({ encryptionKey: key, salt: GCM_SALT, authKey: Buffer.alloc(0) });

describe('RFC 7714 §16: SRTP AEAD_AES_GCM', () => {
  it('§16.1: the IV of SSRC 0x5501a0b2, ROC 0, SEQ 0xf17b', () => {
    expect(gcmRtpIv(GCM_SALT, 0x5501a0b2, 0, 0xf17b).toString('hex')).toBe('51753c6580c2726f20718414');
  });

  it('§16.1.1: AEAD_AES_128_GCM encryption and decryption', () => {
    const expected = hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f
      42a5f47a 51c7d19b 36de3adf 8833 899d7f27 beb16a91 52cf765e e4390cce`);
    expect(gcmProtectRtp(gcmKeys(GCM_KEY_128), GCM_RTP, 12, 0).equals(expected)).toBe(true);
    expect(gcmUnprotectRtp(gcmKeys(GCM_KEY_128), expected, 12, 0).equals(GCM_RTP)).toBe(true);
  });

  it('§16.2.1: AEAD_AES_256_GCM encryption and decryption', () => {
    const expected = hex(`8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3
      b50b2a02 76ffae0f 1ba63799 b87b 7aa3db36 dfffd6b0 f9bb7878 d7a76c13`);
    expect(gcmProtectRtp(gcmKeys(GCM_KEY_256), GCM_RTP, 12, 0).equals(expected)).toBe(true);
    expect(gcmUnprotectRtp(gcmKeys(GCM_KEY_256), expected, 12, 0).equals(GCM_RTP)).toBe(true);
  });
});

describe('RFC 7714 §17: SRTCP AEAD_AES_GCM', () => {
  it('§17.1: the IV of SSRC "Mars", SRTCP index 0x5d4', () => {
    expect(gcmRtcpIv(GCM_SALT, 0x4d617273, 0x5d4).toString('hex')).toBe('517524055203726f207170bb');
  });

  it('§17.1: AEAD_AES_128_GCM encryption and decryption', () => {
    const expected = hex(`81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1
      730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4`);
    expect(gcmProtectRtcp(gcmKeys(GCM_KEY_128), GCM_RTCP, 0x5d4).equals(expected)).toBe(true);
    expect(gcmUnprotectRtcp(gcmKeys(GCM_KEY_128), expected)).toEqual({ packet: GCM_RTCP, index: 0x5d4 });
  });

  it('§17.2: AEAD_AES_256_GCM decryption', () => {
    const sealed = hex(`81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1
      110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4`);
    expect(gcmUnprotectRtcp(gcmKeys(GCM_KEY_256), sealed)).toEqual({ packet: GCM_RTCP, index: 0x5d4 });
    expect(gcmProtectRtcp(gcmKeys(GCM_KEY_256), GCM_RTCP, 0x5d4).equals(sealed)).toBe(true);
  });
});
