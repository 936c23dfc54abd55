import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SrtpError } from '../errors.ts';
import { serializeRtp } from '../rtp.ts';
import {
  MAX_RECEIVE_SSRCS, ReplayWindow, SRTP_PROFILES, SrtpSession, deriveSessionKey, deriveSessionKeys, estimateRoc, gcmRtcpIv, splitDtlsSrtpKeyingMaterial, srtpProfileFromDtlsId, type SrtpProfile,
} from './index.ts';

const PROFILES = Object.keys(SRTP_PROFILES) as SrtpProfile[];

function pair(profile: SrtpProfile, replayWindowSize?: number): { tx: SrtpSession; rx: SrtpSession } {
  const p = SRTP_PROFILES[profile];
  const masterKey = Buffer.alloc(p.keyLength, 0x11);
  const masterSalt = Buffer.alloc(p.saltLength, 0x22);
  return { tx: new SrtpSession({ profile, masterKey, masterSalt }), rx: new SrtpSession({ profile, masterKey, masterSalt, ...(replayWindowSize ? { replayWindowSize } : {}) }) };
}

function rtp(seq: number, ssrc = 0x1234, payload = Buffer.from('payload bytes')): Buffer {
  return serializeRtp({
    marker: false, payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc, csrcs: [7],
    extensions: new Map([[1, Buffer.from([0xaa])]]), paddingLength: 0, payload,
  });
}

const rtcp = (ssrc = 0x5678): Buffer => Buffer.from([0x80, 201, 0, 1, ssrc >>> 24, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff]);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SrtpError);
    return (err as SrtpError).code;
  }
  throw new Error('expected an SrtpError');
}

describe('SrtpSession round trips', () => {
  for (const profile of PROFILES) {
    it(`${profile}: RTP and RTCP protect → unprotect, with the profile's tag lengths`, () => {
      const { tx, rx } = pair(profile);
      const p = SRTP_PROFILES[profile];
      const clear = rtp(1000);
      const before = Buffer.from(clear);
      const sealed = tx.protectRtp(clear);
      expect(clear.equals(before)).toBe(true); // the input is never mutated
      expect(sealed.length).toBe(clear.length + p.rtpTagLength);
      expect(sealed.subarray(0, 24).equals(clear.subarray(0, 24))).toBe(true); // header (with CSRC + extension) in clear
      expect(rx.unprotectRtp(sealed).equals(clear)).toBe(true);

      const sealedRtcp = tx.protectRtcp(rtcp());
      expect(sealedRtcp.length).toBe(8 + 4 + p.rtcpTagLength);
      expect(rx.unprotectRtcp(sealedRtcp).equals(rtcp())).toBe(true);
    });
  }

  it.each(PROFILES)('%s: unprotectRtpInPlace gives the same clear packet, and a forged one is left as it was', (profile) => {
    const { tx, rx } = pair(profile);
    const copy = pair(profile).rx;
    for (let seq = 1; seq <= 40; seq++) {
      const clear = rtp(seq, 0x1234, Buffer.alloc(100 + seq * 20, seq));
      const srtp = tx.protectRtp(clear);
      const expected = copy.unprotectRtp(Buffer.from(srtp));
      const decrypted = rx.unprotectRtpInPlace(srtp);
      expect(decrypted.equals(clear)).toBe(true);
      expect(decrypted.equals(expected)).toBe(true);
    }
    const forged = tx.protectRtp(rtp(41));
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    const before = Buffer.from(forged);
    expect(code(() => rx.unprotectRtpInPlace(forged))).toBe('AUTH_FAILED');
    expect(forged.equals(before)).toBe(true);
  });

  it('AES_CM_128_HMAC_SHA1_32 keeps an 80-bit SRTCP tag (RFC 5764 §4.1.2)', () => {
    expect(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_32.rtpTagLength).toBe(4);
    expect(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_32.rtcpTagLength).toBe(10);
  });

  it('carries the ROC across a sequence-number wrap, with late packets from before the wrap (RFC 3711 §3.3.1)', () => {
    for (const profile of PROFILES) {
      const { tx, rx } = pair(profile);
      const sealed = [65533, 65534, 65535, 0, 1, 2].map((s) => tx.protectRtp(rtp(s)));
      // Deliver out of order across the wrap: 65533, 0, 65535, 1, 65534, 2.
      for (const i of [0, 3, 2, 4, 1, 5]) expect(rx.unprotectRtp(sealed[i] as Buffer).equals(rtp([65533, 65534, 65535, 0, 1, 2][i] as number))).toBe(true);
    }
  });

  it('keeps independent state per SSRC', () => {
    const { tx, rx } = pair('AEAD_AES_128_GCM');
    const a = tx.protectRtp(rtp(5, 1));
    const b = tx.protectRtp(rtp(5, 2));
    expect(rx.unprotectRtp(b).equals(rtp(5, 2))).toBe(true);
    expect(rx.unprotectRtp(a).equals(rtp(5, 1))).toBe(true);
  });

  it('numbers SRTCP packets 0, 1, 2… per sender SSRC', () => {
    const { tx } = pair('AES_CM_128_HMAC_SHA1_80');
    const trailer = (b: Buffer): number => b.readUInt32BE(b.length - 10 - 4);
    expect(trailer(tx.protectRtcp(rtcp(1)))).toBe(0x8000_0000);
    expect(trailer(tx.protectRtcp(rtcp(1)))).toBe(0x8000_0001);
    expect(trailer(tx.protectRtcp(rtcp(2)))).toBe(0x8000_0000);
  });
});

describe('SrtpSession rejections', () => {
  for (const profile of PROFILES) {
    it(`${profile}: a flipped bit anywhere fails authentication`, () => {
      const { tx, rx } = pair(profile);
      const sealed = tx.protectRtp(rtp(7));
      for (const at of [1, 13, 30, sealed.length - 1]) {
        const bad = Buffer.from(sealed);
        bad[at] = (bad[at] as number) ^ 0x01;
        expect(code(() => rx.unprotectRtp(bad))).toBe('AUTH_FAILED');
      }
      const sealedRtcp = tx.protectRtcp(rtcp());
      const bad = Buffer.from(sealedRtcp);
      bad[9] = (bad[9] as number) ^ 0x80;
      expect(code(() => rx.unprotectRtcp(bad))).toBe('AUTH_FAILED');
      // The authentic packets still pass afterwards: failures did not disturb the state.
      expect(rx.unprotectRtp(sealed).equals(rtp(7))).toBe(true);
      expect(rx.unprotectRtcp(sealedRtcp).equals(rtcp())).toBe(true);
    });

    it(`${profile}: replays and packets left of the window are refused (RFC 3711 §3.3.2)`, () => {
      const { tx, rx } = pair(profile);
      const first = tx.protectRtp(rtp(100));
      expect(rx.unprotectRtp(first).length).toBeGreaterThan(0);
      expect(code(() => rx.unprotectRtp(first))).toBe('REPLAYED');
      const old = tx.protectRtp(rtp(101));
      rx.unprotectRtp(tx.protectRtp(rtp(101 + 64)));
      expect(code(() => rx.unprotectRtp(old))).toBe('TOO_OLD');

      const r = tx.protectRtcp(rtcp());
      rx.unprotectRtcp(r);
      expect(code(() => rx.unprotectRtcp(r))).toBe('REPLAYED');
    });

    it(`${profile}: truncated and non-RTP input is refused`, () => {
      const { tx, rx } = pair(profile);
      const sealed = tx.protectRtp(rtp(9));
      expect(code(() => rx.unprotectRtp(sealed.subarray(0, 12)))).toBe('TRUNCATED');
      expect(code(() => rx.unprotectRtp(sealed.subarray(0, sealed.length - 1)))).toMatch(/AUTH_FAILED|BAD_HEADER/);
      expect(code(() => rx.unprotectRtcp(Buffer.alloc(8 + 3 + SRTP_PROFILES[profile].rtcpTagLength, 0x80)))).toBe('TRUNCATED');
      const v1 = Buffer.from(sealed);
      v1[0] = 0x40;
      expect(code(() => rx.unprotectRtp(v1))).toBe('BAD_HEADER');
      const rtcpV0 = Buffer.alloc(40);
      expect(code(() => rx.unprotectRtcp(rtcpV0))).toBe('BAD_HEADER');
      expect(code(() => tx.protectRtcp(Buffer.from([0x80, 200, 0])))).toBe('BAD_HEADER');
    });
  }

  it('a forged packet creates no per-SSRC state and does not move the window', () => {
    const { tx, rx } = pair('AES_CM_128_HMAC_SHA1_80');
    // Forge seq 40000 for an unknown SSRC: it fails, and a genuine seq 1 afterwards still starts the stream at ROC 0.
    const forged = Buffer.from(tx.protectRtp(rtp(40000, 9)));
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    expect(code(() => rx.unprotectRtp(forged))).toBe('AUTH_FAILED');
    const { tx: tx2 } = pair('AES_CM_128_HMAC_SHA1_80');
    expect(rx.unprotectRtp(tx2.protectRtp(rtp(1, 9))).equals(rtp(1, 9))).toBe(true);
  });

  it('holds state only for authenticated SSRCs and frees it on deleteSsrc', () => {
    const { tx, rx } = pair('AEAD_AES_128_GCM');
    for (let ssrc = 1; ssrc <= 100; ssrc++) {
      const bad = Buffer.from(tx.protectRtp(rtp(1, ssrc)));
      bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
      code(() => rx.unprotectRtp(bad));
    }
    expect(rx.ssrcCount).toBe(0);
    rx.unprotectRtp(tx.protectRtp(rtp(2, 1)));
    rx.unprotectRtcp(tx.protectRtcp(rtcp(1)));
    expect(rx.ssrcCount).toBe(1);
    rx.deleteSsrc(1);
    tx.deleteSsrc(1);
    expect(rx.ssrcCount).toBe(0);
    expect(tx.ssrcCount).toBe(99);
  });

  it('refuses an SRTCP index beyond 2^31 − 1 (RFC 3711 §3.4)', () => {
    const { tx } = pair('AES_CM_128_HMAC_SHA1_80');
    expect(code(() => tx.protectRtcp(rtcp(), 0x8000_0000))).toBe('INDEX_EXHAUSTED');
  });

  it('rejects wrong key and salt lengths and a window under 64', () => {
    expect(() => new SrtpSession({ profile: 'AEAD_AES_128_GCM', masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(14) })).toThrow(RangeError);
    expect(() => new SrtpSession({ profile: 'AES_CM_128_HMAC_SHA1_80', masterKey: Buffer.alloc(15), masterSalt: Buffer.alloc(14) })).toThrow(RangeError);
    expect(() => pair('AES_CM_128_HMAC_SHA1_80', 32)).toThrow(RangeError);
    expect(() => deriveSessionKey(Buffer.alloc(16), Buffer.alloc(15), 0, 16)).toThrow(RangeError);
  });
});

describe('RFC 3711 Appendix A: ROC estimation', () => {
  it('guesses ROC − 1, ROC or ROC + 1 around the wrap', () => {
    expect(estimateRoc(100, 5, 101)).toBe(5);
    expect(estimateRoc(100, 5, 65500)).toBe(4); // late packet from before the wrap
    expect(estimateRoc(65500, 5, 10)).toBe(6); // wrapped
    expect(estimateRoc(65500, 5, 65000)).toBe(5);
    expect(estimateRoc(0x8000, 0, 0)).toBe(0); // exactly half the space back: still this ROC
    expect(estimateRoc(10, 0, 65535)).toBe(-1);
  });
});

describe('ReplayWindow', () => {
  it('accepts new indices, refuses duplicates and those 64 or more behind the highest', () => {
    const w = new ReplayWindow();
    expect(w.check(0)).toBeUndefined();
    w.accept(0);
    expect(w.check(0)).toBe('REPLAYED');
    w.accept(100);
    expect(w.check(36)).toBe('TOO_OLD');
    expect(w.check(37)).toBeUndefined();
    w.accept(37);
    expect(w.check(37)).toBe('REPLAYED');
    w.accept(1000); // a jump larger than the window clears every slot
    for (let i = 937; i < 1000; i++) expect(w.check(i)).toBeUndefined();
    expect(w.check(1000)).toBe('REPLAYED');
  });
});

describe('DTLS-SRTP keying material (RFC 5764 §4.2)', () => {
  it('splits client key | server key | client salt | server salt', () => {
    const m = Buffer.from([...Array(60).keys()]);
    const { client, server } = splitDtlsSrtpKeyingMaterial('AES_CM_128_HMAC_SHA1_80', m);
    expect(client.masterKey.equals(m.subarray(0, 16))).toBe(true);
    expect(server.masterKey.equals(m.subarray(16, 32))).toBe(true);
    expect(client.masterSalt.equals(m.subarray(32, 46))).toBe(true);
    expect(server.masterSalt.equals(m.subarray(46, 60))).toBe(true);
    expect(() => splitDtlsSrtpKeyingMaterial('AEAD_AES_128_GCM', m)).toThrow(RangeError);
    expect(srtpProfileFromDtlsId(0x0007)).toBe('AEAD_AES_128_GCM');
    expect(srtpProfileFromDtlsId(0x0001)).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(srtpProfileFromDtlsId(0x0099)).toBeUndefined();
  });
});

describe('SRTCP with the E flag clear (authenticated, not encrypted)', () => {
  // No published vector covers this path; the expected bytes are built independently with node:crypto primitives.
  const masterKey = Buffer.alloc(16, 0x31);
  const clear = Buffer.concat([rtcp(0xabcd), Buffer.from('report blocks go here')]);

  it('AES-CM: tag = HMAC-SHA1(k_a, packet || 0|index) truncated to 80 bits (RFC 3711 §3.4)', () => {
    const masterSalt = Buffer.alloc(14, 0x32);
    const { rtcp: keys } = deriveSessionKeys('AES_CM_128_HMAC_SHA1_80', masterKey, masterSalt);
    const word = Buffer.from([0, 0, 0, 9]);
    const tag = createHmac('sha1', keys.authKey).update(clear).update(word).digest().subarray(0, 10);
    const rx = new SrtpSession({ profile: 'AES_CM_128_HMAC_SHA1_80', masterKey, masterSalt });
    expect(rx.unprotectRtcp(Buffer.concat([clear, word, tag])).equals(clear)).toBe(true);
  });

  it('AES-GCM: the whole packet and 0|index are AAD, the plaintext is empty (RFC 7714 §9.2)', () => {
    const masterSalt = Buffer.alloc(12, 0x32);
    const { rtcp: keys } = deriveSessionKeys('AEAD_AES_128_GCM', masterKey, masterSalt);
    const word = Buffer.from([0, 0, 0, 9]);
    const c = createCipheriv('aes-128-gcm', keys.encryptionKey, gcmRtcpIv(keys.salt, 0xabcd, 9));
    c.setAAD(Buffer.concat([clear, word]));
    c.final();
    const rx = new SrtpSession({ profile: 'AEAD_AES_128_GCM', masterKey, masterSalt });
    const sealed = Buffer.concat([clear, c.getAuthTag(), word]);
    expect(rx.unprotectRtcp(sealed).equals(clear)).toBe(true);
    sealed[10] = (sealed[10] as number) ^ 1;
    expect(code(() => new SrtpSession({ profile: 'AEAD_AES_128_GCM', masterKey, masterSalt }).unprotectRtcp(sealed))).toBe('AUTH_FAILED');
  });
});

describe('receive state is bounded', () => {
  it('keeps at most MAX_RECEIVE_SSRCS streams per direction, however many SSRCs authenticate', () => {
    const keys = { profile: 'AES_CM_128_HMAC_SHA1_80' as const, masterKey: Buffer.alloc(16, 1), masterSalt: Buffer.alloc(14, 2) };
    const sender = new SrtpSession(keys);
    const receiver = new SrtpSession(keys);
    for (let ssrc = 1; ssrc <= MAX_RECEIVE_SSRCS + 100; ssrc++) {
      const rtp = Buffer.alloc(40);
      rtp[0] = 0x80;
      rtp[1] = 111;
      rtp.writeUInt16BE(1, 2);
      rtp.writeUInt32BE(ssrc, 8);
      receiver.unprotectRtp(sender.protectRtp(rtp));
      const rr = Buffer.alloc(8);
      rr[0] = 0x80;
      rr[1] = 201;
      rr.writeUInt16BE(1, 2);
      rr.writeUInt32BE(ssrc, 4);
      receiver.unprotectRtcp(sender.protectRtcp(rr));
    }
    expect(receiver.ssrcCount).toBe(MAX_RECEIVE_SSRCS);
  });
});

describe('protectRtpInPlace', () => {
  it('gives the same SRTP bytes as protectRtp, for every profile, using the tail room after the packet', () => {
    for (const profile of PROFILES) {
      const { keyLength, saltLength } = SRTP_PROFILES[profile];
      const keys = { profile, masterKey: Buffer.alloc(keyLength, 3), masterSalt: Buffer.alloc(saltLength, 4) };
      const copying = new SrtpSession(keys);
      const inPlace = new SrtpSession(keys);
      const receiver = new SrtpSession(keys);
      for (let seq = 65530; seq < 65540; seq++) {
        const clear = serializeRtp({ marker: false, payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: seq * 3000, ssrc: 0x1234, csrcs: [], extensions: new Map(), paddingLength: 0, payload: Buffer.alloc(300 + seq % 7, seq & 0xff) });
        const withTail = Buffer.alloc(clear.length + 16, 0xee).subarray(0, clear.length);
        clear.copy(withTail);
        const expected = copying.protectRtp(clear);
        const got = inPlace.protectRtpInPlace(withTail);
        expect(got.equals(expected), `${profile} seq ${seq}`).toBe(true);
        expect(receiver.unprotectRtp(got).equals(clear)).toBe(true);
      }
    }
  });
});
