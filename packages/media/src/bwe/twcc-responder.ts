import { checkUint32 } from '../rtcp-common.ts';
import { seqDiff } from '../seq.ts';
import { type TwccPacketFeedback, serializeTwcc } from '../twcc.ts';

export interface TwccResponderOptions {
  /** Our SSRC for the feedback's packet-sender field (RFC 4585 §6.1). */
  senderSsrc: number;
  /** Media-source SSRC to use until a packet tells us one: any of the publisher's SSRCs will do (§3.1). */
  mediaSsrc?: number;
  /** Clock in ms, used only by `feedbackDue`. */
  now?: () => number;
  /** Status entries per feedback packet; more pending entries are split over several packets. */
  maxPacketsPerFeedback?: number;
  /** The widest span of sequence numbers kept pending; a packet that would widen it further starts afresh. */
  maxPendingSpan?: number;
}

/** §3.1.5: receive deltas count 250 µs ticks, four per millisecond. */
const TICKS_PER_MS = 4;
/** §3.1: the reference time counts 64 ms units, i.e. 256 ticks. */
const REFERENCE_MS = 64;
const TICKS_PER_REFERENCE = REFERENCE_MS * TICKS_PER_MS;
/** §3.1.5: a large delta is a signed 16-bit tick count. */
const MIN_DELTA_TICKS = -0x8000;
const MAX_DELTA_TICKS = 0x7fff;
/** ~250 entries keep the worst case (all 2-byte deltas) near 700 bytes, well inside one SRTCP datagram. */
const DEFAULT_MAX_PACKETS = 250;
/** About 4 s of 10 Mbit/s video; a wider span is a restart or a hostile jump, not a gap worth reporting. */
const DEFAULT_MAX_SPAN = 4096;
/** When the transport should send feedback without waiting for its timer. */
const DUE_PENDING = 100;
const DUE_INTERVAL_MS = 50;

/** One feedback packet under construction. */
interface Draft {
  base: number;
  referenceTime: number;
  /** Absolute tick of the previous received packet (the reference time for the first one). */
  prevTick: number;
  hasReceived: boolean;
  packets: TwccPacketFeedback[];
}

/**
 * The receive side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3):
 * records when each transport-wide sequence number arrived and turns them into RTCP TWCC feedback for the
 * publisher, whose send-side estimator depends on every detail being right.
 *
 * Each feedback run covers every sequence number from the one after the last reported to the highest received,
 * contiguously, gaps reported as not received. Packets older than what was already reported, and duplicates, are
 * ignored. Memory is bounded by `maxPendingSpan`: a sequence jump past it drops what is pending and starts over
 * at the new packet, instead of allocating an entry for every missing number.
 */
export class TwccResponder {
  readonly #senderSsrc: number;
  readonly #now: () => number;
  readonly #maxPackets: number;
  readonly #maxSpan: number;
  #mediaSsrc: number;
  /** Unwrapped (64-bit range, held in a double) sequence number of the newest packet. */
  #highest: number | undefined;
  /** First unwrapped sequence number not yet reported; undefined before the first feedback or after a restart. */
  #nextBase: number | undefined;
  /** Lowest and highest pending unwrapped sequence numbers. */
  #low = 0;
  #high = 0;
  readonly #pending = new Map<number, number>();
  #feedbackCount = 0;
  /** The last reference time sent; reused by a packet that reports no arrivals (the sender offsets from it). */
  #lastReferenceTime: number | undefined;
  #lastFeedbackMs = Number.NEGATIVE_INFINITY;

  constructor(options: TwccResponderOptions) {
    checkUint32('TWCC sender SSRC', options.senderSsrc);
    this.#senderSsrc = options.senderSsrc;
    this.#mediaSsrc = options.mediaSsrc ?? 0;
    this.#now = options.now ?? (() => performance.now());
    this.#maxPackets = Math.max(1, Math.min(0xffff, options.maxPacketsPerFeedback ?? DEFAULT_MAX_PACKETS));
    this.#maxSpan = Math.max(1, options.maxPendingSpan ?? DEFAULT_MAX_SPAN);
  }

  /** Sequence numbers the next feedback would cover (received or not). */
  get pendingCount(): number {
    if (this.#pending.size === 0) return 0;
    return this.#high - (this.#nextBase ?? this.#low) + 1;
  }

  /** True when the transport should call `takeFeedback` now: 100+ entries pending or 50 ms since the last one. */
  feedbackDue(): boolean {
    if (this.#pending.size === 0) return false;
    return this.pendingCount >= DUE_PENDING || this.#now() - this.#lastFeedbackMs >= DUE_INTERVAL_MS;
  }

  /** Records an arrival: transport-wide sequence number (16 bits), arrival time in ms, and its SSRC. */
  onPacket(transportSeq: number, arrivalMs: number, mediaSsrc: number): void {
    if (!Number.isFinite(arrivalMs)) return;
    const seq = this.#unwrap(transportSeq & 0xffff);
    this.#mediaSsrc = mediaSsrc >>> 0;
    if (this.#pending.has(seq)) return; // duplicate
    if (this.#nextBase !== undefined && seq < this.#nextBase) {
      // Already reported past it: a late packet. Far behind is no reordering but a restarted sender.
      if (this.#nextBase - seq < this.#maxSpan) return;
      this.#restart(seq);
    }
    const low = Math.min(this.#pending.size > 0 ? this.#low : seq, this.#nextBase ?? seq, seq);
    const high = Math.max(this.#pending.size > 0 ? this.#high : seq, seq);
    if (high - low + 1 > this.#maxSpan) this.#restart(seq);
    if (this.#pending.size === 0) {
      this.#low = seq;
      this.#high = seq;
    } else {
      this.#low = Math.min(this.#low, seq);
      this.#high = Math.max(this.#high, seq);
    }
    this.#pending.set(seq, arrivalMs);
  }

  /**
   * Serialized RTCP TWCC packets (clear, ready for SRTCP) covering everything since the last call, or [] when
   * nothing new arrived.
   */
  takeFeedback(): Buffer[] {
    if (this.#pending.size === 0) return [];
    const start = this.#nextBase ?? this.#low;
    const drafts: Draft[] = [];
    let draft: Draft | undefined;
    for (let seq = start; seq <= this.#high; seq++) {
      const arrivalMs = this.#pending.get(seq);
      const tick = arrivalMs === undefined ? undefined : Math.round(arrivalMs * TICKS_PER_MS);
      const full = draft !== undefined && draft.packets.length >= this.#maxPackets;
      const misfit = draft?.hasReceived === true && tick !== undefined && !fitsDelta(tick - draft.prevTick);
      if (draft === undefined || full || misfit) {
        draft = { base: seq, referenceTime: 0, prevTick: 0, hasReceived: false, packets: [] };
        drafts.push(draft);
      }
      const entry: TwccPacketFeedback = { sequenceNumber: seq & 0xffff };
      if (arrivalMs !== undefined && tick !== undefined) {
        if (!draft.hasReceived) {
          // §3.1: the reference time is the first arrival rounded down to 64 ms; its delta counts from there.
          draft.referenceTime = Math.floor(arrivalMs / REFERENCE_MS);
          draft.prevTick = draft.referenceTime * TICKS_PER_REFERENCE;
          draft.hasReceived = true;
        }
        // Ticks are rounded from absolute time, not accumulated, so rounding errors never add up.
        entry.deltaUs = (tick - draft.prevTick) * (1000 / TICKS_PER_MS);
        draft.prevTick = tick;
      }
      draft.packets.push(entry);
    }
    this.#nextBase = this.#high + 1;
    this.#pending.clear();
    this.#lastFeedbackMs = this.#now();
    // A packet of losses only carries a neighbour's reference time, so that the sender's running clock offset
    // (which it advances by the difference between consecutive reference times) does not jump.
    const firstReceived = drafts.find((d) => d.hasReceived);
    let referenceTime = this.#lastReferenceTime ?? firstReceived?.referenceTime ?? 0;
    return drafts.map((d) => {
      if (d.hasReceived) referenceTime = d.referenceTime;
      return this.#serialize(d, referenceTime);
    });
  }

  #serialize(draft: Draft, referenceTime: number): Buffer {
    this.#lastReferenceTime = referenceTime;
    const feedbackPacketCount = this.#feedbackCount;
    this.#feedbackCount = (this.#feedbackCount + 1) & 0xff; // §3.1: 8 bits, wraps
    return serializeTwcc({
      type: 'twcc',
      senderSsrc: this.#senderSsrc,
      mediaSsrc: this.#mediaSsrc,
      baseSequenceNumber: draft.base & 0xffff,
      referenceTime: referenceTime & 0xff_ffff,
      feedbackPacketCount,
      packets: draft.packets,
    });
  }

  #unwrap(seq: number): number {
    const highest = this.#highest;
    if (highest === undefined) {
      this.#highest = seq;
      return seq;
    }
    const unwrapped = highest + seqDiff(seq, highest & 0xffff);
    if (unwrapped > highest) this.#highest = unwrapped;
    return unwrapped;
  }

  /** Forgets everything pending and reported; `seq` becomes the first packet of a new run. */
  #restart(seq: number): void {
    this.#pending.clear();
    this.#nextBase = undefined;
    this.#highest = seq;
  }
}

function fitsDelta(ticks: number): boolean {
  return ticks >= MIN_DELTA_TICKS && ticks <= MAX_DELTA_TICKS;
}
