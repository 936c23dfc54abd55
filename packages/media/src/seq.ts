/**
 * Sequence-number and timestamp arithmetic with wraparound (RFC 3550 §5.1, A.1; RFC 1982 serial numbers)
 * and the rewriter an SFU uses to keep each consumer's output stream continuous.
 */

const SEQ_MOD = 0x1_0000;
const TS_MOD = 0x1_0000_0000;
/** How far behind the newest packet a reordered packet may still be forwarded (a quarter of the space). */
const REORDER_FLOOR = 0x4000;

/** a − b as a signed distance in (−2^15, 2^15]: positive when a comes after b. */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d > 0x8000 ? d - SEQ_MOD : d;
}

/**
 * True when a is newer than b. Exactly half the space apart is ambiguous (RFC 1982 §3.2); like libwebrtc we
 * break the tie by the raw value so that the relation stays antisymmetric.
 */
export function isNewerSeq(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  if (d === 0x8000) return a > b;
  return d !== 0 && d < 0x8000;
}

/** a − b for 32-bit RTP timestamps, as a signed distance in (−2^31, 2^31]. */
export function timestampDiff(a: number, b: number): number {
  const d = (a - b) >>> 0;
  return d > 0x8000_0000 ? d - TS_MOD : d;
}

export function isNewerTimestamp(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  if (d === 0x8000_0000) return a >>> 0 > b >>> 0;
  return d !== 0 && d < 0x8000_0000;
}

export function addSeq(a: number, n: number): number {
  return (((a + n) % SEQ_MOD) + SEQ_MOD) % SEQ_MOD;
}

export function addTimestamp(a: number, n: number): number {
  return (((a + n) % TS_MOD) + TS_MOD) % TS_MOD;
}

export interface SequenceRewriterOptions {
  /** First output sequence number (RFC 3550 §5.1 says it should be random; the caller picks). */
  initialSequenceNumber?: number;
  /** First output timestamp. */
  initialTimestamp?: number;
}

export interface RewrittenSequence {
  sequenceNumber: number;
  timestamp: number;
}

/**
 * Maps the sequence numbers and timestamps of whichever source is being forwarded into one continuous output
 * space, so a subscriber's decoder sees a single stream across simulcast layer switches.
 *
 * Feed it only the packets you forward. A packet whose SSRC differs from the last one re-anchors the mapping: its
 * sequence number becomes the highest output + 1 and its timestamp the highest output timestamp + `timestampGap`
 * (the caller derives the gap from wall-clock time and the clock rate). Reordered packets of the current source
 * keep their relative order; packets older than the re-anchoring packet are refused (undefined), because their
 * output numbers would collide with what the previous source already used, and so are packets more than 2^14
 * behind the newest one.
 */
export class SequenceRewriter {
  /** What `rewrite` returns: one object, overwritten by the next call (read it before rewriting again). */
  readonly #result: RewrittenSequence = { sequenceNumber: 0, timestamp: 0 };
  #ssrc: number | undefined;
  #seqOffset = 0;
  #tsOffset = 0;
  #anchorSeq = 0;
  #maxOutSeq: number;
  #maxOutTs: number;
  #started = false;

  constructor(options: SequenceRewriterOptions = {}) {
    // One below the first output, so the first packet (anchored at max + 1) comes out exactly at the initial value.
    this.#maxOutSeq = addSeq(options.initialSequenceNumber ?? 0, -1);
    this.#maxOutTs = options.initialTimestamp ?? 0;
  }

  /** The SSRC currently mapped, if any packet has been seen. */
  get ssrc(): number | undefined {
    return this.#ssrc;
  }

  rewrite(ssrc: number, sequenceNumber: number, timestamp: number, timestampGap = 1): RewrittenSequence | undefined {
    if (ssrc !== this.#ssrc) {
      this.#ssrc = ssrc;
      this.#anchorSeq = sequenceNumber;
      this.#seqOffset = addSeq(this.#maxOutSeq + 1, -sequenceNumber);
      // The very first packet maps to the initial timestamp itself; later switches leave a gap.
      const outTs = this.#started ? addTimestamp(this.#maxOutTs, timestampGap) : this.#maxOutTs;
      this.#tsOffset = addTimestamp(outTs, -timestamp);
      this.#started = true;
    } else if (seqDiff(sequenceNumber, this.#anchorSeq) < 0) {
      return undefined;
    } else if (seqDiff(sequenceNumber, this.#anchorSeq) > REORDER_FLOOR) {
      // Slide the floor behind the newest packet so that it never wraps around in front of the stream.
      this.#anchorSeq = addSeq(sequenceNumber, -REORDER_FLOOR);
    }
    // One result object per rewriter, overwritten by the next call: this runs once per forwarded packet.
    const out = this.#result;
    out.sequenceNumber = addSeq(sequenceNumber, this.#seqOffset);
    out.timestamp = addTimestamp(timestamp, this.#tsOffset);
    if (isNewerSeq(out.sequenceNumber, this.#maxOutSeq)) this.#maxOutSeq = out.sequenceNumber;
    if (isNewerTimestamp(out.timestamp, this.#maxOutTs)) this.#maxOutTs = out.timestamp;
    return out;
  }
}
