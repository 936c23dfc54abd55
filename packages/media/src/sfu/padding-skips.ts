import { isNewerSeq, seqDiff } from '../seq.ts';

/** Left-out padding packets whose place we remember, for packets reordered around them. */
const RING = 32;

/**
 * Padding-only packets (RFC 3550 §5.1; bandwidth probes) are not forwarded, yet the subscriber must see no hole, or
 * it would NACK numbers that never existed. So each newer packet of the same source moves down one output number
 * per left-out packet before it. Reset whenever the output re-anchors on a new source.
 */
export class PaddingSkips {
  readonly #seqs = new Uint16Array(RING);
  #count = 0;
  #newest = 0;
  #anchor = 0;

  reset(anchorSeq: number): void {
    this.#count = 0;
    this.#anchor = anchorSeq;
  }

  /** Records a left-out padding packet of the current source. */
  skip(seq: number): void {
    if (seqDiff(seq, this.#anchor) <= 0) return; // before the anchor: no forwarded packet comes before it
    this.#seqs[this.#count % RING] = seq;
    if (this.#count === 0 || isNewerSeq(seq, this.#newest)) this.#newest = seq;
    this.#count++;
  }

  /** How many left-out packets precede `seq`; -1 when `seq` is older than all we remember (cannot be placed). */
  before(seq: number): number {
    const count = this.#count;
    if (count === 0 || isNewerSeq(seq, this.#newest)) return count; // the in-order case: O(1)
    const remembered = Math.min(count, RING);
    let newer = 0;
    for (let i = 0; i < remembered; i++) if (isNewerSeq(this.#seqs[i] as number, seq)) newer++;
    if (newer === remembered && count > remembered) return -1;
    return count - newer;
  }
}
