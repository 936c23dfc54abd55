import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesCmKeystream, AesCmTransform, AesGcmTransform, HmacSha1, SRTP_PROFILES, SrtpSession, tagMatches, type SrtpProfile, type SrtpSessionKeys } from './index.ts';

// Straightforward references built only from node:crypto one-shot objects (a fresh cipher / HMAC per packet) and
// BigInt arithmetic, independent of the optimised code under test.

/** RFC 3711 §4.1.1 computed on 128-bit integers: (k_s · 2^16) ⊕ (SSRC · 2^64) ⊕ (i · 2^16). */
function referenceIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const v = (BigInt(`0x${salt.subarray(0, 14).toString('hex')}`) << 16n) ^ (BigInt(ssrc) << 64n) ^ (BigInt(index) << 16n);
  return Buffer.from(v.toString(16).padStart(32, '0'), 'hex');
}

function referenceCtr(key: Uint8Array, iv: Buffer, data: Uint8Array): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => parts.reduce((h, p) => h.update(p), createHmac('sha1', key)).digest();

function referenceProtectRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number, tagLength: number): Buffer {
  const iv = referenceIv(keys.salt, packet.readUInt32BE(8), roc * 0x1_0000 + packet.readUInt16BE(2));
  const body = Buffer.concat([packet.subarray(0, headerLength), referenceCtr(keys.encryptionKey, iv, packet.subarray(headerLength))]);
  return Buffer.concat([body, hmac(keys.authKey, body, u32(roc)).subarray(0, tagLength)]);
}

function referenceProtectRtcp(keys: SrtpSessionKeys, packet: Buffer, index: number, tagLength: number): Buffer {
  const iv = referenceIv(keys.salt, packet.readUInt32BE(4), index);
  const body = Buffer.concat([packet.subarray(0, 8), referenceCtr(keys.encryptionKey, iv, packet.subarray(8)), u32((0x8000_0000 | index) >>> 0)]);
  return Buffer.concat([body, hmac(keys.authKey, body).subarray(0, tagLength)]);
}

/** RFC 7714 §8.1–8.2 with a fresh GCM cipher: IV = (0 || SSRC || ROC || SEQ) ⊕ salt, AAD = header. */
function referenceGcmRtp(keys: SrtpSessionKeys, packet: Buffer, headerLength: number, roc: number): Buffer {
  const iv = Buffer.concat([Buffer.alloc(2), packet.subarray(8, 12), u32(roc), packet.subarray(2, 4)]).map((b, i) => b ^ (keys.salt[i] as number));
  const c = createCipheriv(keys.encryptionKey.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm', keys.encryptionKey, iv);
  c.setAAD(packet.subarray(0, headerLength));
  return Buffer.concat([packet.subarray(0, headerLength), c.update(packet.subarray(headerLength)), c.final(), c.getAuthTag()]);
}

// size 'max': lengths spread over the whole range (fast-check's default keeps arrays to about ten elements). Shrinking
// kilobyte arrays takes minutes, so the properties report their first counterexample as found (endOnFailure).
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max, size: 'max' }).map((a) => Buffer.from(a));
const ssrc = fc.integer({ min: 0, max: 0xffff_ffff });
const cmKeys = fc.record({ encryptionKey: bytes(16, 16), salt: bytes(14, 14), authKey: bytes(20, 20) });

/** A random RTP packet: CSRCs and a header extension (RFC 3550 §5.1, §5.3.1) vary the header length. */
const rtpPacket = fc.record({
  csrcs: fc.integer({ min: 0, max: 15 }),
  extensionWords: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  seq: fc.integer({ min: 0, max: 0xffff }),
  ssrc,
  payload: bytes(0, 1500),
}).map(({ csrcs, extensionWords, seq, ssrc: s, payload }) => {
  const headerLength = 12 + 4 * csrcs + (extensionWords === undefined ? 0 : 4 + 4 * extensionWords);
  const p = Buffer.alloc(headerLength + payload.length, 0x5a);
  p[0] = 0x80 | (extensionWords === undefined ? 0 : 0x10) | csrcs;
  p[1] = 96;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(s, 8);
  if (extensionWords !== undefined) p.writeUInt32BE((0xbede_0000 | extensionWords) >>> 0, 12 + 4 * csrcs);
  payload.copy(p, headerLength);
  return { packet: p, headerLength };
});

/** `data` placed at `shift` inside a larger buffer, so views start unaligned as often as aligned. */
function shifted(data: Buffer, shift: number): Buffer {
  const host = Buffer.alloc(data.length + shift + 3, 0xee);
  data.copy(host, shift);
  return host.subarray(shift, shift + data.length);
}

describe('AesCmKeystream (RFC 3711 §4.1.1) against aes-*-ctr', () => {
  it('XORs the same keystream as a fresh CTR cipher, for any length and alignment, in place or not', () => {
    fc.assert(fc.property(fc.constantFrom(16, 24, 32), fc.integer({ min: 0, max: 2 ** 31 }), bytes(0, 5000), fc.nat(7), fc.nat(7), fc.boolean(), (keyLength, seed, data, inShift, outShift, inPlace) => {
      const key = Buffer.alloc(keyLength, seed & 0xff).map((b, i) => b ^ i);
      const iv = Buffer.alloc(16);
      iv.writeUInt32BE(seed, 4);
      iv.writeUInt32BE(~seed >>> 0, 10); // bytes 14–15 stay zero: the block counter
      const ks = new AesCmKeystream(key);
      const expected = referenceCtr(key, iv, data);
      const source = shifted(data, inShift);
      const target = inPlace ? source : shifted(Buffer.alloc(data.length + 5), outShift);
      ks.xor(iv, source, 0, data.length, target, 0);
      expect(target.subarray(0, data.length).equals(expected)).toBe(true);
      // The persistent cipher carries nothing over: a second packet under the same key is right too.
      const again = Buffer.alloc(data.length);
      ks.xor(iv, data, 0, data.length, again, 0);
      expect(again.equals(expected)).toBe(true);
    }), { numRuns: 300, endOnFailure: true });
  });

  it('refuses a bad key and more than 2^16 blocks per IV', () => {
    expect(() => new AesCmKeystream(Buffer.alloc(15))).toThrow(RangeError);
    const ks = new AesCmKeystream(Buffer.alloc(16));
    const big = Buffer.alloc(0x1_0000 * 16 + 1);
    expect(() => ks.xor(Buffer.alloc(16), big, 0, big.length, big, 0)).toThrow(RangeError);
  });
});

describe('HmacSha1 (RFC 2104) against createHmac', () => {
  it('computes the same MAC for any key length (hashed past 64 bytes), message range and ROC', () => {
    const tooLong = Buffer.alloc(3000, 1);
    fc.assert(fc.property(bytes(0, 100), bytes(0, 2000), fc.nat(), fc.nat(), (key, message, a, b) => {
      const h = new HmacSha1(key);
      const start = message.length === 0 ? 0 : a % message.length;
      const end = start + (message.length === 0 ? 0 : b % (message.length - start + 1));
      for (const roc of [undefined, a >>> 0]) {
        const parts = roc === undefined ? [message.subarray(start, end)] : [message.subarray(start, end), u32(roc)];
        expect(Buffer.from(h.mac(message, start, end, roc), 'latin1').equals(hmac(key, ...parts))).toBe(true);
      }
      h.mac(tooLong, 0, tooLong.length); // grows the scratch; later (shorter) MACs must not see its bytes
      expect(Buffer.from(h.mac(message, start, end), 'latin1').equals(hmac(key, message.subarray(start, end)))).toBe(true);
    }), { numRuns: 200, endOnFailure: true });
  });

  it('tagMatches compares only the truncated tag, and notices any flipped bit', () => {
    const mac = new HmacSha1(Buffer.alloc(20, 3)).mac(Buffer.from('abc'), 0, 3);
    const tag = Buffer.from(mac, 'latin1').subarray(0, 10);
    expect(tagMatches(mac, Buffer.concat([Buffer.alloc(4), tag]), 4, 10)).toBe(true);
    for (let bit = 0; bit < 80; bit++) {
      const bad = Buffer.from(tag);
      bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(tagMatches(mac, bad, 0, 10)).toBe(false);
    }
  });
});

describe('AesCmTransform is byte-identical to the straightforward construction', () => {
  it('SRTP: random keys, headers, payloads, ROCs and both tag lengths', () => {
    fc.assert(fc.property(cmKeys, fc.array(rtpPacket, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(4, 10), (keys, packets, roc, tagLength) => {
      const t = new AesCmTransform(keys, tagLength);
      const sealed = packets.map(({ packet, headerLength }) => t.protectRtp(packet, headerLength, roc));
      packets.forEach(({ packet, headerLength }, i) => {
        // Checked after all were produced: a later packet must not have overwritten an earlier output.
        expect((sealed[i] as Buffer).equals(referenceProtectRtp(keys, packet, headerLength, roc, tagLength))).toBe(true);
        expect(t.unprotectRtp(sealed[i] as Buffer, headerLength, roc).equals(packet)).toBe(true);
      });
    }), { numRuns: 200, endOnFailure: true });
  });

  it('SRTCP: random keys, bodies and indices', () => {
    fc.assert(fc.property(cmKeys, ssrc, bytes(0, 1400), fc.integer({ min: 0, max: 0x7fff_ffff }), (keys, s, body, index) => {
      const packet = Buffer.concat([Buffer.from([0x80, 200, 0, 0]), u32(s), body]);
      const t = new AesCmTransform(keys, 10);
      const sealed = t.protectRtcp(packet, index);
      expect(sealed.equals(referenceProtectRtcp(keys, packet, index, 10))).toBe(true);
      expect(t.unprotectRtcp(sealed)).toEqual({ packet, index });
    }), { numRuns: 200, endOnFailure: true });
  });

  it('refuses a short salt and an impossible tag length', () => {
    expect(() => new AesCmTransform({ encryptionKey: Buffer.alloc(16), salt: Buffer.alloc(12), authKey: Buffer.alloc(20) }, 10)).toThrow(RangeError);
    expect(() => new AesCmTransform({ encryptionKey: Buffer.alloc(16), salt: Buffer.alloc(14), authKey: Buffer.alloc(20) }, 21)).toThrow(RangeError);
  });
});

describe('AesGcmTransform against a fresh GCM cipher (RFC 7714 §8)', () => {
  it('SRTP: random keys (128 and 256 bits), headers and payloads', () => {
    fc.assert(fc.property(fc.constantFrom(16, 32), bytes(32, 32), bytes(12, 12), rtpPacket, fc.integer({ min: 0, max: 0xffff_ffff }), (keyLength, key, salt, { packet, headerLength }, roc) => {
      const keys = { encryptionKey: key.subarray(0, keyLength), salt, authKey: Buffer.alloc(0) };
      const t = new AesGcmTransform(keys);
      const sealed = t.protectRtp(packet, headerLength, roc);
      expect(sealed.equals(referenceGcmRtp(keys, packet, headerLength, roc))).toBe(true);
      expect(t.unprotectRtp(sealed, headerLength, roc).equals(packet)).toBe(true);
    }), { numRuns: 150, endOnFailure: true });
  });

  it('refuses bad key and salt lengths', () => {
    expect(() => new AesGcmTransform({ encryptionKey: Buffer.alloc(24), salt: Buffer.alloc(12), authKey: Buffer.alloc(0) })).toThrow(RangeError);
    expect(() => new AesGcmTransform({ encryptionKey: Buffer.alloc(16), salt: Buffer.alloc(11), authKey: Buffer.alloc(0) })).toThrow(RangeError);
  });
});

describe('SrtpSession round trips random packets for every profile', () => {
  for (const profile of Object.keys(SRTP_PROFILES) as SrtpProfile[]) {
    it(profile, () => {
      const p = SRTP_PROFILES[profile];
      fc.assert(fc.property(bytes(p.keyLength, p.keyLength), bytes(p.saltLength, p.saltLength), fc.array(rtpPacket, { minLength: 1, maxLength: 6 }), bytes(0, 600), fc.nat(7), (masterKey, masterSalt, packets, rtcpBody, shift) => {
        const tx = new SrtpSession({ profile, masterKey, masterSalt });
        const rx = new SrtpSession({ profile, masterKey, masterSalt });
        // One SSRC, consecutive sequence numbers from the first packet's: a valid stream, possibly across a wrap.
        const first = packets[0]?.packet.readUInt16BE(2) ?? 0;
        const wires = packets.map(({ packet }, i) => {
          const w = shifted(packet, shift); // also exercises unaligned input
          w.writeUInt32BE(0xcafe, 8);
          w.writeUInt16BE((first + i) & 0xffff, 2);
          return w;
        });
        const copies = wires.map((w) => Buffer.from(w));
        const sealed = wires.map((w) => tx.protectRtp(w));
        wires.forEach((w, i) => expect(w.equals(copies[i] as Buffer)).toBe(true)); // inputs untouched
        sealed.forEach((s, i) => expect(rx.unprotectRtp(shifted(s, shift)).equals(copies[i] as Buffer)).toBe(true));
        const rtcp = Buffer.concat([Buffer.from([0x81, 201, 0, 0, 0, 0, 0xbe, 0xef]), rtcpBody]);
        expect(rx.unprotectRtcp(tx.protectRtcp(rtcp)).equals(rtcp)).toBe(true);
      }), { numRuns: 100, endOnFailure: true });
    });
  }
});
