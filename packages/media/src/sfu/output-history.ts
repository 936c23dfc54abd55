/**
 * What a consumer sent under each recent output sequence number: enough to rebuild the packet from the producer's
 * cache for a NACK (RFC 4585 §6.2.1) without keeping copies. A ring of typed arrays, so recording costs no objects.
 */
const SIZE = 1024; // power of two: ~1 s of video at 1000 packets/s
const MASK = SIZE - 1;

export class OutputHistory {
  readonly #outSeq = new Int32Array(SIZE).fill(-1);
  readonly #srcSsrc = new Uint32Array(SIZE);
  readonly #srcSeq = new Uint16Array(SIZE);
  readonly #outTs = new Uint32Array(SIZE);
  /** Rewritten VP8 ids, -1 when the packet had none. */
  readonly #outPic = new Int32Array(SIZE);
  readonly #outTl0 = new Int16Array(SIZE);
  /** When each packet was last resent for a NACK (NaN: never). */
  readonly #resentAt = new Float64Array(SIZE).fill(Number.NaN);

  record(outSeq: number, srcSsrc: number, srcSeq: number, outTs: number, outPic: number, outTl0: number): void {
    const slot = outSeq & MASK;
    this.#outSeq[slot] = outSeq;
    this.#srcSsrc[slot] = srcSsrc;
    this.#srcSeq[slot] = srcSeq;
    this.#outTs[slot] = outTs;
    this.#outPic[slot] = outPic;
    this.#outTl0[slot] = outTl0;
    this.#resentAt[slot] = Number.NaN;
  }

  /** The slot that holds output sequence `outSeq`, or -1 when it was never sent or has been overwritten. */
  find(outSeq: number): number {
    const slot = outSeq & MASK;
    return this.#outSeq[slot] === (outSeq & 0xffff) ? slot : -1;
  }

  sourceSsrc(slot: number): number {
    return this.#srcSsrc[slot] as number;
  }

  sourceSeq(slot: number): number {
    return this.#srcSeq[slot] as number;
  }

  outTimestamp(slot: number): number {
    return this.#outTs[slot] as number;
  }

  outPictureId(slot: number): number {
    return this.#outPic[slot] as number;
  }

  outTl0PicIdx(slot: number): number {
    return this.#outTl0[slot] as number;
  }

  /** When the packet in `slot` was last resent (NaN: never since it was sent). */
  resentAt(slot: number): number {
    return this.#resentAt[slot] as number;
  }

  markResent(slot: number, nowMs: number): void {
    this.#resentAt[slot] = nowMs;
  }
}
