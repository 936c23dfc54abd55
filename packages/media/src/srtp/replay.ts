import type { SrtpErrorCode } from '../errors.ts';

/**
 * RFC 3711 §3.3.2 replay list as a sliding window over packet indices: the highest index accepted so far and a
 * bitmap of the `size` indices at and below it. Checked before authentication (cheap rejection), updated only after
 * a packet authenticated (so forged packets cannot move the window).
 */
export class ReplayWindow {
  readonly size: number;
  #seen: Uint8Array;
  #highest = -1;

  /** RFC 3711 §3.3.2: the window size MUST be at least 64. */
  constructor(size = 64) {
    if (!Number.isInteger(size) || size < 64) throw new RangeError('an SRTP replay window holds at least 64 packets (RFC 3711 §3.3.2)');
    this.size = size;
    this.#seen = new Uint8Array(size);
  }

  get highest(): number {
    return this.#highest;
  }

  /** Why `index` must be rejected, or undefined when it may be accepted. */
  check(index: number): SrtpErrorCode | undefined {
    if (index > this.#highest) return undefined;
    if (this.#highest - index >= this.size) return 'TOO_OLD';
    return this.#seen[index % this.size] ? 'REPLAYED' : undefined;
  }

  accept(index: number): void {
    if (index > this.#highest) {
      // Slots between the old and the new highest now stand for indices never seen.
      const cleared = Math.min(index - this.#highest, this.size);
      for (let i = 1; i <= cleared; i++) this.#seen[(index - cleared + i + this.size) % this.size] = 0;
      this.#highest = index;
    }
    this.#seen[index % this.size] = 1;
  }
}

/**
 * RFC 3711 Appendix A: the rollover counter a packet with sequence number `seq` most likely belongs to, given the
 * highest sequence number `highestSeq` seen with rollover counter `roc`. May return roc − 1 (a late packet from before
 * the last wrap), which is −1 for a packet from before the stream began.
 */
export function estimateRoc(highestSeq: number, roc: number, seq: number): number {
  if (highestSeq < 0x8000) return seq - highestSeq > 0x8000 ? roc - 1 : roc;
  return highestSeq - 0x8000 > seq ? roc + 1 : roc;
}
