/** Left-out numbers remembered, for numbers reordered around them. */
const RING = 64;

/**
 * Numbers of a serial space (RTP sequence numbers, VP8 picture ids) that the SFU leaves out of a forwarded stream,
 * which must yet show no hole: a subscriber would NACK sequence numbers that never existed, and a VP8 decoder waits
 * for a picture id it has not seen. Each newer number moves down by one per left-out number before it. Left out are
 * padding-only packets (bandwidth probes), and the frames of temporal layers a subscriber does not get. Reset
 * whenever the output re-anchors on a new source.
 */
export class SerialSkips {
  readonly #mask: number;
  readonly #values = new Uint16Array(RING);
  #count = 0;
  #newest = 0;
  #anchor = 0;

  /** `mask`: the space's size − 1 (0xffff for sequence numbers, 0x7fff for 15-bit picture ids). */
  constructor(mask = 0xffff) {
    this.#mask = mask;
  }

  /** How many numbers were left out since the last reset. */
  get count(): number {
    return this.#count;
  }

  reset(anchor: number): void {
    this.#count = 0;
    this.#anchor = anchor;
  }

  /** Records a left-out number of the current source (each once). */
  skip(value: number): void {
    if (this.#diff(value, this.#anchor) <= 0) return; // before the anchor: nothing forwarded comes before it
    this.#values[this.#count % RING] = value;
    if (this.#count === 0 || this.#diff(value, this.#newest) > 0) this.#newest = value;
    this.#count++;
  }

  /** Whether `value` is among the left-out numbers remembered. */
  has(value: number): boolean {
    const remembered = Math.min(this.#count, RING);
    for (let i = 0; i < remembered; i++) if (this.#values[i] === value) return true;
    return false;
  }

  /** How many left-out numbers precede `value`; -1 when `value` is older than all we remember (cannot be placed). */
  before(value: number): number {
    const count = this.#count;
    if (count === 0 || this.#diff(value, this.#newest) > 0) return count; // the in-order case: O(1)
    const remembered = Math.min(count, RING);
    let newer = 0;
    for (let i = 0; i < remembered; i++) if (this.#diff(this.#values[i] as number, value) > 0) newer++;
    if (newer === remembered && count > remembered) return -1;
    return count - newer;
  }

  /** a − b in the serial space, in (−half, half]. */
  #diff(a: number, b: number): number {
    const d = (a - b) & this.#mask;
    return d > (this.#mask + 1) / 2 ? d - this.#mask - 1 : d;
  }
}
