import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCmIv } from './aes-cm.ts';
import { AHEAD_MAX_BLOCKS, AHEAD_MAX_SSRCS, AHEAD_PACKETS, KeystreamAhead } from './keystream-ahead.ts';

/** RFC 3711 §4.1.1 the plain way: AES-CTR from the packet's IV, one cipher per packet. */
function reference(key: Buffer, salt: Buffer, ssrc: number, index: number, data: Buffer): Buffer {
  return createCipheriv(`aes-${key.length * 8}-ctr`, key, aesCmIv(salt, ssrc, index)).update(data);
}

describe('KeystreamAhead', () => {
  const key = randomBytes(16);
  const salt = randomBytes(14);

  it('encrypts every packet exactly as AES-CTR from its own IV: in order, across gaps, the ROC and growing sizes', () => {
    const ahead = new KeystreamAhead(key, salt);
    const ssrc = 0xdead_beef;
    // In order across a ROC step (0xffff → 0x1_0000), a gap, a jump far ahead, and an index near 2^48.
    const indices = [
      ...Array.from({ length: 40 }, (_, i) => 0xfff0 + i),
      0x1_0100, 0x1_0101, 0x1_0103, 0x2_0000_0000, 0x2_0000_0001, 2 ** 48 - 3, 2 ** 48 - 2, 2 ** 48 - 1,
    ];
    for (const [n, index] of indices.entries()) {
      // Sizes grow now and then (a video packet after audio-sized ones), not always multiples of 16.
      const size = n % 7 === 0 ? 1200 : 20 + ((n * 37) % 300);
      const data = randomBytes(size);
      const out = Buffer.alloc(size);
      expect(ahead.xor(ssrc, index, data, 0, size, out, 0)).toBe(true);
      expect(out.equals(reference(key, salt, ssrc, index, data)), `index ${index}, ${size} bytes`).toBe(true);
    }
  });

  it('works in place and at offsets, with AES-256 too', () => {
    const key256 = randomBytes(32);
    const ahead = new KeystreamAhead(key256, salt);
    for (let index = 500; index < 500 + 3 * AHEAD_PACKETS; index++) {
      const packet = randomBytes(12 + 1000);
      const clear = Buffer.from(packet);
      expect(ahead.xor(7, index, packet, 12, packet.length, packet, 12)).toBe(true);
      expect(packet.subarray(0, 12).equals(clear.subarray(0, 12))).toBe(true);
      expect(packet.subarray(12).equals(reference(key256, salt, 7, index, clear.subarray(12)))).toBe(true);
    }
  });

  it('leaves older packets (retransmissions) and oversized ones to the caller, and never mixes SSRCs', () => {
    const ahead = new KeystreamAhead(key, salt);
    const data = randomBytes(100);
    const out = Buffer.alloc(100);
    expect(ahead.xor(1, 1000, data, 0, 100, out, 0)).toBe(true);
    expect(ahead.xor(1, 999, data, 0, 100, out, 0)).toBe(false);
    expect(ahead.xor(1, 1001, randomBytes(AHEAD_MAX_BLOCKS * 16 + 1), 0, AHEAD_MAX_BLOCKS * 16 + 1, Buffer.alloc(AHEAD_MAX_BLOCKS * 16 + 1), 0)).toBe(false);
    // Another SSRC at the same index gets its own keystream; so does each of more SSRCs than are kept.
    for (let ssrc = 2; ssrc < AHEAD_MAX_SSRCS + 10; ssrc++) {
      expect(ahead.xor(ssrc, 1000, data, 0, 100, out, 0)).toBe(true);
      expect(out.equals(reference(key, salt, ssrc, 1000, data))).toBe(true);
    }
    expect(ahead.xor(1, 1001, data, 0, 100, out, 0)).toBe(true);
    expect(out.equals(reference(key, salt, 1, 1001, data))).toBe(true);
  });
});
