/**
 * NACKs the SFU sent its publisher that have not been answered yet, to be sent again: a retransmission can be lost
 * too (at 5 % loss, one in twenty), and a packet the SFU never gets is a packet no subscriber can get. Each is
 * asked for at most `maxTries` times, `intervalMs` apart (RFC 4585 leaves the repetition policy to the receiver).
 * Bounded: beyond `capacity` outstanding packets new losses are asked for once only.
 */
export class NackRetries {
  readonly #entries = new Map<number, { ssrc: number; seq: number; at: number; tries: number }>();
  readonly #capacity: number;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `seq` of `ssrc` was just asked for (the first time). */
  add(ssrc: number, seq: number, now: number): void {
    if (this.#entries.size >= this.#capacity) return;
    this.#entries.set(ssrc * 0x1_0000 + seq, { ssrc, seq, at: now, tries: 1 });
  }

  /** A packet arrived (late, or retransmitted): nothing more to ask for. */
  received(ssrc: number, seq: number): void {
    if (this.#entries.size > 0) this.#entries.delete(ssrc * 0x1_0000 + seq);
  }

  /** The sequence numbers to ask for again now, by SSRC; those asked `maxTries` times are given up. */
  due(now: number, intervalMs = 60, maxTries = 3): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const [key, e] of this.#entries) {
      if (now - e.at < intervalMs) continue;
      if (e.tries >= maxTries) {
        this.#entries.delete(key);
        continue;
      }
      e.tries++;
      e.at = now;
      let list = out.get(e.ssrc);
      if (!list) out.set(e.ssrc, (list = []));
      list.push(e.seq);
    }
    return out;
  }

  clear(): void {
    this.#entries.clear();
  }
}
