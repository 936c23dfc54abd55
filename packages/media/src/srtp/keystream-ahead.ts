import { createCipheriv, type Cipher } from 'node:crypto';
import { xorInto } from './aes-cm-keystream.ts';

const BLOCK = 16;
/** Packets of one SSRC whose keystream one `update()` makes. */
export const AHEAD_PACKETS = 8;
/** Largest packet (in AES blocks: 1,536 bytes) kept ahead; bigger ones take the one-packet path. */
export const AHEAD_MAX_BLOCKS = 96;
/** Outbound SSRCs of one session with a run kept; beyond it the least recently refilled is dropped. */
export const AHEAD_MAX_SSRCS = 32;

/** The platform stores a Uint16Array element little-endian (every machine Node runs on but a few big-endian ones). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Run {
  /** Packet index (RFC 3711 §3.3.1, 48 bits) of the first packet in the run. */
  first: number;
  /** Keystream blocks reserved per packet. */
  blocks: number;
  keystream: Buffer;
}

/**
 * AES-CM keystream made ahead for an outbound SSRC (RFC 3711 §4.1.1): the counter blocks of a sender's next packets
 * are known before the packets exist (the index only grows), so one ECB `update()` covers AHEAD_PACKETS packets.
 * Node's `update()` costs ~3 µs per call whatever its size below a few kilobytes, mostly a fresh output Buffer;
 * eight packets' worth costs about as much as one. A packet whose index is not in its SSRC's run (a retransmission,
 * a gap) starts a new run or, when older, is left to the caller's one-packet path; a keystream block is never used
 * for another index than its own.
 *
 * Not re-entrant: one instance per SRTP session direction, used synchronously.
 */
export class KeystreamAhead {
  readonly #ecb: Cipher;
  readonly #salt: Uint8Array;
  readonly #runs = new Map<number, Run>();
  readonly #counters: Buffer;
  readonly #words: Int32Array;
  readonly #halves: Uint16Array;

  constructor(key: Uint8Array, salt: Uint8Array) {
    this.#ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
    this.#salt = Uint8Array.from(salt.subarray(0, 14));
    this.#counters = Buffer.allocUnsafeSlow(AHEAD_PACKETS * AHEAD_MAX_BLOCKS * BLOCK);
    this.#words = new Int32Array(this.#counters.buffer, 0, this.#counters.length / 4);
    this.#halves = new Uint16Array(this.#counters.buffer, 0, this.#counters.length / 2);
  }

  /**
   * `data[start, end)` XOR the keystream of packet `index` of `ssrc`, into `out` at `outOffset` (may be in place).
   * False, with nothing written, when the packet is too large or older than its SSRC's run.
   */
  xor(ssrc: number, index: number, data: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): boolean {
    const length = end - start;
    if (length <= 0) return true;
    const blocks = Math.ceil(length / BLOCK);
    if (blocks > AHEAD_MAX_BLOCKS) return false;
    let run = this.#runs.get(ssrc);
    if (run && index < run.first) return false;
    if (!run || index >= run.first + AHEAD_PACKETS || blocks > run.blocks) run = this.#refill(ssrc, index, Math.max(blocks, run?.blocks ?? 0));
    xorInto(run.keystream, data, start, length, out, outOffset, (index - run.first) * run.blocks * BLOCK);
    return true;
  }

  /** The keystream of packets first … first + AHEAD_PACKETS - 1, `blocks` blocks each, in one update(). */
  #refill(ssrc: number, first: number, blocks: number): Run {
    const counters = this.#counters;
    const words = this.#words;
    const halves = this.#halves;
    const salt = this.#salt;
    for (let p = 0; p < AHEAD_PACKETS; p++) {
      const at = p * blocks * BLOCK;
      // §4.1.1: IV = salt XOR (SSRC << 64) XOR (index << 16); bytes 14–15 are the block counter.
      const index = first + p;
      const high = Math.floor(index / 0x1_0000_0000);
      const low = index >>> 0;
      for (let i = 0; i < 4; i++) counters[at + i] = salt[i] as number;
      counters[at + 4] = (salt[4] as number) ^ (ssrc >>> 24);
      counters[at + 5] = (salt[5] as number) ^ ((ssrc >>> 16) & 0xff);
      counters[at + 6] = (salt[6] as number) ^ ((ssrc >>> 8) & 0xff);
      counters[at + 7] = (salt[7] as number) ^ (ssrc & 0xff);
      counters[at + 8] = (salt[8] as number) ^ ((high >>> 8) & 0xff);
      counters[at + 9] = (salt[9] as number) ^ (high & 0xff);
      counters[at + 10] = (salt[10] as number) ^ (low >>> 24);
      counters[at + 11] = (salt[11] as number) ^ ((low >>> 16) & 0xff);
      counters[at + 12] = (salt[12] as number) ^ ((low >>> 8) & 0xff);
      counters[at + 13] = (salt[13] as number) ^ (low & 0xff);
      // The other blocks of this packet: the same 14 bytes (three words and a half-word in platform order), then j.
      const w = at >>> 2;
      const h = at >>> 1;
      const w0 = words[w] as number;
      const w1 = words[w + 1] as number;
      const w2 = words[w + 2] as number;
      const h6 = halves[h + 6] as number;
      halves[h + 7] = 0;
      for (let j = 1; j < blocks; j++) {
        words[w + j * 4] = w0;
        words[w + j * 4 + 1] = w1;
        words[w + j * 4 + 2] = w2;
        halves[h + j * 8 + 6] = h6;
        halves[h + j * 8 + 7] = LITTLE_ENDIAN ? ((j & 0xff) << 8) | (j >>> 8) : j;
      }
    }
    const run: Run = { first, blocks, keystream: this.#ecb.update(counters.subarray(0, AHEAD_PACKETS * blocks * BLOCK)) };
    this.#runs.delete(ssrc);
    if (this.#runs.size >= AHEAD_MAX_SSRCS) this.#runs.delete(this.#runs.keys().next().value as number);
    this.#runs.set(ssrc, run);
    return run;
  }
}
