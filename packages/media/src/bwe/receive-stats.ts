import type { ReportBlock } from '../rtcp-reports.ts';
import { timestampDiff } from '../seq.ts';
import { type NtpTimestamp, ntpMiddle32 } from './ntp.ts';

/** RFC 3550 A.1: a jump larger than this ahead, or MAX_MISORDER behind, is a restart candidate, not a gap. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_MOD = 0x1_0000;
/** RFC 3550 §6.4.1: cumulative lost is a signed 24-bit field. */
const MAX_CUMULATIVE_LOST = 0x7f_ffff;
const MIN_CUMULATIVE_LOST = -0x80_0000;

/**
 * Reception statistics of one inbound RTP stream for our receiver reports (RFC 3550 §6.4.1): extended highest
 * sequence number and restarts (A.1), loss and fraction lost (A.3), interarrival jitter (A.8), LSR/DLSR.
 *
 * Feed it the packets as they arrive, after SRTP authentication: that is why there is no A.1 probation (a packet
 * that authenticates is the source's). Feed only original packets, not RTX retransmissions, whose timing would
 * count as jitter.
 */
export class ReceiveStreamStats {
  readonly ssrc: number;
  readonly #clockRate: number;
  #started = false;
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq: number | undefined;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #lastArrivalMs = 0;
  #lastTimestamp = 0;
  #lastSr = 0;
  #lastSrArrivalMs: number | undefined;

  /** `clockRate`: the codec's RTP clock (90000 for video, 48000 for Opus); jitter is reported in its units. */
  constructor(ssrc: number, clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError(`RTP clock rate must be positive, got ${clockRate}`);
    this.ssrc = ssrc >>> 0;
    this.#clockRate = clockRate;
  }

  /** Packets received, duplicates included (RFC 3550 A.3 counts them). */
  get packetsReceived(): number {
    return this.#received;
  }

  /** Extended highest sequence number received: cycles × 2^16 + highest (A.1). */
  get extendedHighestSequence(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** Interarrival jitter J in RTP timestamp units, unrounded (A.8). */
  get jitter(): number {
    return this.#jitter;
  }

  /** Expected minus received since the first packet (A.3); negative when duplicates outnumber losses. */
  get cumulativeLost(): number {
    if (!this.#started) return 0;
    return this.#cycles + this.#maxSeq - this.#baseSeq + 1 - this.#received;
  }

  /** One received RTP packet: its sequence number, RTP timestamp and arrival time in ms. */
  onPacket(sequenceNumber: number, rtpTimestamp: number, arrivalMs: number): void {
    const seq = sequenceNumber & 0xffff;
    if (!this.#started) {
      this.#restart(seq);
      this.#started = true;
    } else if (!this.#updateSeq(seq)) {
      return;
    }
    this.#received++;
    this.#updateJitter(rtpTimestamp >>> 0, arrivalMs);
  }

  /** A sender report (or just its NTP timestamp) from this source arrived at `arrivalMs`: kept for LSR/DLSR. */
  onSenderReport(sr: NtpTimestamp, arrivalMs: number): void {
    this.#lastSr = ntpMiddle32(sr.ntpSeconds, sr.ntpFraction);
    this.#lastSrArrivalMs = arrivalMs;
  }

  /**
   * The report block for an RR or SR sent at `nowMs` (all counters zero before the first packet). Starts a new
   * reporting interval: fraction lost covers the time since the previous call (A.3).
   */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.#started ? this.extendedHighestSequence - this.#baseSeq + 1 : 0;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const delaySinceLastSr = this.#lastSrArrivalMs === undefined ? 0 : Math.max(0, Math.round(((nowMs - this.#lastSrArrivalMs) * 65536) / 1000));
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: Math.max(MIN_CUMULATIVE_LOST, Math.min(MAX_CUMULATIVE_LOST, this.cumulativeLost)),
      highestSequence: this.extendedHighestSequence >>> 0,
      jitter: Math.floor(this.#jitter) >>> 0,
      lastSr: this.#lastSrArrivalMs === undefined ? 0 : this.#lastSr,
      delaySinceLastSr: Math.min(0xffff_ffff, delaySinceLastSr),
    };
  }

  /** RFC 3550 A.1 update_seq, without probation: false when the packet is to be ignored. */
  #updateSeq(seq: number): boolean {
    const delta = (seq - this.#maxSeq + SEQ_MOD) % SEQ_MOD;
    if (delta < MAX_DROPOUT) {
      // In order, possibly with a gap; wrapped when the new number is below the old maximum.
      if (seq < this.#maxSeq) this.#cycles += SEQ_MOD;
      this.#maxSeq = seq;
    } else if (delta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: accept it only if the next packet follows it, then treat it as a restart.
      if (seq === this.#badSeq) {
        this.#restart(seq);
        return true;
      }
      this.#badSeq = (seq + 1) % SEQ_MOD;
      return false;
    }
    // Otherwise a duplicate or a reordered packet: counted as received, maximum unchanged.
    return true;
  }

  #restart(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#cycles = 0;
    this.#badSeq = undefined;
    this.#received = 0;
    this.#expectedPrior = 0;
    this.#receivedPrior = 0;
  }

  /**
   * RFC 3550 A.8: D = (Rj − Ri) − (Sj − Si) in timestamp units, J += (|D| − J) / 16. The difference of timestamps
   * is taken modulo 2^32 so that the wrap does not look like a jump.
   */
  #updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    if (this.#received > 1) {
      const arrivalUnits = ((arrivalMs - this.#lastArrivalMs) * this.#clockRate) / 1000;
      const d = arrivalUnits - timestampDiff(rtpTimestamp, this.#lastTimestamp);
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastArrivalMs = arrivalMs;
    this.#lastTimestamp = rtpTimestamp;
  }
}
