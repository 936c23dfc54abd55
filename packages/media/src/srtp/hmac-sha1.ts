import { hash } from 'node:crypto';

/** RFC 2104 §2: SHA-1 works on 64-byte blocks; the key is padded to one block and XORed with ipad / opad. */
const BLOCK = 64;
const DIGEST = 20;
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * HMAC-SHA1 (RFC 2104) for the SRTP authentication transform (RFC 3711 §4.2.1), built for per-packet use.
 *
 * `createHmac` per packet costs ~3 µs, mostly object set-up and Buffer allocation rather than hashing. Here the
 * padded keys are laid down once, in front of two scratch buffers, and each MAC is two one-shot `crypto.hash` calls
 * with a latin1 ("binary") string result: inner = SHA1(K⊕ipad || message), outer = SHA1(K⊕opad || inner). No Node
 * hash object and no Buffer is created per packet; copying the message behind the ipad block costs tens of ns.
 *
 * Not re-entrant: one instance per key, used synchronously.
 */
export class HmacSha1 {
  /** K⊕ipad, then the message being authenticated (grown on demand). */
  #inner: Buffer;
  /** `#inner.subarray(0, n)` by n, made once: packet lengths repeat, and a view per MAC is garbage per packet. */
  #views: Buffer[] = [];
  /** K⊕opad || inner digest. */
  readonly #outer = Buffer.allocUnsafeSlow(BLOCK + DIGEST);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: a key longer than the block is first hashed; SRTP's 160-bit k_a never is.
    const k = key.length > BLOCK ? hash('sha1', key, 'buffer') : key;
    this.#inner = Buffer.allocUnsafeSlow(BLOCK + 1500);
    for (let i = 0; i < BLOCK; i++) {
      const byte = i < k.length ? (k[i] as number) : 0;
      this.#inner[i] = byte ^ IPAD;
      this.#outer[i] = byte ^ OPAD;
    }
  }

  /**
   * The 20-byte MAC of `message[start, end)`, followed by the 32-bit big-endian `roc` when given (RFC 3711 §4.2: the
   * SRTP tag covers the ROC, which is never sent), as a 20-character latin1 string: char i is byte i.
   */
  mac(message: Buffer, start: number, end: number, roc?: number): string {
    const length = end - start + (roc === undefined ? 0 : 4);
    if (this.#inner.length < BLOCK + length) {
      const grown = Buffer.allocUnsafeSlow(BLOCK + length + 256);
      this.#inner.copy(grown, 0, 0, BLOCK);
      this.#inner = grown;
      this.#views = [];
    }
    message.copy(this.#inner, BLOCK, start, end);
    if (roc !== undefined) this.#inner.writeUInt32BE(roc >>> 0, BLOCK + end - start);
    const inner = hash('sha1', this.#innerView(BLOCK + length), 'binary');
    this.#outer.write(inner, BLOCK, DIGEST, 'latin1');
    return hash('sha1', this.#outer, 'binary');
  }

  #innerView(n: number): Buffer {
    return this.#views[n] ?? (this.#views[n] = this.#inner.subarray(0, n));
  }
}

/** Writes the leftmost `tagLength` bytes of `mac` (RFC 3711 §4.2: truncation keeps the leftmost bits). */
export function writeTag(mac: string, out: Uint8Array, offset: number, tagLength: number): void {
  for (let i = 0; i < tagLength; i++) out[offset + i] = mac.charCodeAt(i);
}

/** Whether `packet[offset, offset + tagLength)` equals the truncated `mac`, in time independent of where they differ. */
export function tagMatches(mac: string, packet: Uint8Array, offset: number, tagLength: number): boolean {
  let diff = 0;
  for (let i = 0; i < tagLength; i++) diff |= mac.charCodeAt(i) ^ (packet[offset + i] as number);
  return diff === 0;
}
