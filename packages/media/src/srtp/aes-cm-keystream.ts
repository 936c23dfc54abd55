import { createCipheriv, type Cipher } from 'node:crypto';

const BLOCK = 16;
/** RFC 3711 §4.1.1: the block counter is the low 16 bits of the counter block, so one IV covers 2^16 blocks. */
const MAX_BLOCKS = 0x1_0000;

/**
 * The AES-CM keystream of RFC 3711 §4.1.1 without a cipher object per packet.
 *
 * Counter mode is AES-ECB over the counter blocks IV, IV+1, …: one persistent `aes-*-ecb` cipher (no padding) is
 * stateless from block to block, so each packet costs one `update()` on a scratch buffer of counter blocks instead
 * of a `createCipheriv`. The IV's low 16 bits are always zero (every term of §4.1.1 is shifted left by 16), so block
 * j is IV[0..13] || j: the counters are written into bytes 14–15 once, and per packet only bytes 0–13 are copied
 * into each block, as three 32-bit and one 16-bit store in platform order (so endianness does not matter).
 *
 * Not re-entrant: one instance per session key, used synchronously.
 */
export class AesCmKeystream {
  readonly #ecb: Cipher;
  #blocks: Buffer;
  #words: Int32Array;
  #halves: Uint16Array;
  /** Subarrays of #blocks by block count, so the hot path allocates no view. */
  #views: Buffer[] = [];

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError(`an AES key is 16, 24 or 32 bytes, got ${key.length}`);
    this.#ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
    this.#blocks = Buffer.alloc(0);
    this.#words = new Int32Array(0);
    this.#halves = new Uint16Array(0);
    this.#grow(96); // 1536 bytes: a full-MTU payload without growing
  }

  #grow(blocks: number): void {
    this.#blocks = Buffer.allocUnsafeSlow(blocks * BLOCK); // own ArrayBuffer, offset 0: aligned for the views
    this.#words = new Int32Array(this.#blocks.buffer, 0, blocks * 4);
    this.#halves = new Uint16Array(this.#blocks.buffer, 0, blocks * 8);
    for (let j = 0; j < blocks; j++) this.#blocks.writeUInt16BE(j, j * BLOCK + 14);
    this.#views = [];
  }

  /**
   * `data[start, end)` XOR the keystream of counter block `iv` (16 bytes, low 16 bits zero), written to
   * `out` at `outOffset`. `out` may be `data` itself (in-place), provided the ranges coincide.
   */
  xor(iv: Buffer, data: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
    const length = end - start;
    if (length <= 0) return;
    const n = Math.ceil(length / BLOCK);
    if (n > MAX_BLOCKS) throw new RangeError(`AES-CM covers at most 2^16 blocks per packet (RFC 3711 §4.1.1), got ${n}`);
    if (n * 4 > this.#words.length) this.#grow(Math.max(n, this.#words.length / 2)); // doubles the block count (4 words each)
    // Byte stores, not iv.copy(): Buffer#copy with a range builds a typed-array view per call (garbage per packet).
    const blocks = this.#blocks;
    for (let i = 0; i < 14; i++) blocks[i] = iv[i] as number;
    const words = this.#words;
    const halves = this.#halves;
    const w0 = words[0] as number;
    const w1 = words[1] as number;
    const w2 = words[2] as number;
    const h6 = halves[6] as number;
    for (let j = 1; j < n; j++) {
      words[j * 4] = w0;
      words[j * 4 + 1] = w1;
      words[j * 4 + 2] = w2;
      halves[j * 8 + 6] = h6;
    }
    const view = this.#views[n] ?? (this.#views[n] = this.#blocks.subarray(0, n * BLOCK));
    xorInto(this.#ecb.update(view), data, start, length, out, outOffset);
  }
}

/**
 * Whole-buffer Int32 views of the last few ArrayBuffers XORed, so that a packet costs no view objects: forwarded
 * packets share Node's 8 KiB allocation pool and a keystream run serves eight packets, so consecutive calls mostly
 * meet the same buffers. Holding them keeps at most a few small ArrayBuffers alive a little longer.
 */
const wordViews: { buffer: ArrayBufferLike | undefined; words: Int32Array }[] = Array.from({ length: 3 }, () => ({ buffer: undefined, words: new Int32Array(0) }));
let nextView = 0;

function wordsOf(buffer: ArrayBufferLike): Int32Array {
  for (const v of wordViews) if (v.buffer === buffer) return v.words;
  const slot = wordViews[nextView] as (typeof wordViews)[number];
  nextView = (nextView + 1) % wordViews.length;
  slot.buffer = buffer;
  slot.words = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  return slot.words;
}

/**
 * out[outOffset + i] = data[start + i] ^ keystream[keyOffset + i] for i < length, a word at a time when all three are
 * aligned.
 */
export function xorInto(keystream: Uint8Array, data: Uint8Array, start: number, length: number, out: Uint8Array, outOffset: number, keyOffset = 0): void {
  let i = 0;
  const dataAt = data.byteOffset + start;
  const outAt = out.byteOffset + outOffset;
  const keyAt = keystream.byteOffset + keyOffset;
  if (length >= 64 && (dataAt & 3) === 0 && (outAt & 3) === 0 && (keyAt & 3) === 0) {
    const words = length >>> 2;
    const k = wordsOf(keystream.buffer);
    const d = wordsOf(data.buffer);
    const o = out.buffer === data.buffer ? d : wordsOf(out.buffer);
    const k0 = keyAt >>> 2;
    const d0 = dataAt >>> 2;
    const o0 = outAt >>> 2;
    for (let w = 0; w < words; w++) o[o0 + w] = (d[d0 + w] as number) ^ (k[k0 + w] as number);
    i = words << 2;
  }
  for (; i < length; i++) out[outOffset + i] = (data[start + i] as number) ^ (keystream[keyOffset + i] as number);
}
