import type { RtcpTwcc } from '../twcc.ts';
import { AckedBitrate } from './acked-rate.ts';
import { InterGroupDelay } from './inter-group.ts';
import { LossBasedControl } from './loss-control.ts';
import { type BandwidthUsage, OveruseDetector } from './overuse-detector.ts';
import { AimdRateControl, type RateControlState } from './rate-control.ts';
import { ALR_ENTER, ALR_LEAVE, SendRate } from './send-rate.ts';
import { SentPacketHistory } from './sent-history.ts';
import { TrendlineFilter } from './trendline.ts';

export interface SendSideEstimatorOptions {
  /** bps, default 1 000 000. */
  initialBitrate?: number;
  /** bps, default 50 000. */
  minBitrate?: number;
  /** bps, default 10 000 000. */
  maxBitrate?: number;
  /** Local clock in ms, for calls that omit their time argument. */
  now?: () => number;
}

export interface SendSideEstimatorStats {
  /** TWCC feedback packets processed. */
  feedbacks: number;
  /** Feedback packets the subscriber sent that never reached us (gaps in the feedback packet count). */
  lostFeedbacks: number;
  /** Our packets the feedback reported on (received or lost), and those of them lost, since the start. */
  packetsReported: number;
  packetsLost: number;
  /** Loss fraction of the last evaluated interval, 0–1. */
  lossRate: number;
  /** The trendline detector input m(i) (scaled slope of the queuing delay). */
  delayTrend: number;
  /** The adaptive threshold γ(i) it is compared against. */
  delayThreshold: number;
  state: BandwidthUsage;
  rateControlState: RateControlState;
  /** The delay-based rate before the loss bound, bps. */
  delayBasedBitrate: number;
  /** The loss-based bound, bps (Infinity while loss is low). */
  lossBasedBitrate: number;
  /** What we sent over the last second, bps. */
  sentBitrate: number;
  /** Sending well below the estimate (see AimdRateControl.update). */
  applicationLimited: boolean;
}

/** §3.1 of the TWCC draft: the 24-bit reference time counts 64 ms. */
const REFERENCE_MS = 64;
const REFERENCE_MOD = 0x100_0000;
/** A subscriber's RR fraction lost only counts when TWCC feedback has been silent this long (it reports loss too). */
const RR_FALLBACK_MS = 1000;
/** Application-limited backoff only while at least this share of what we sent in the last second arrived. */
const DELIVERED_SHARE = 0.8;
/** The short window of the acknowledged rate used at an over-use (AckedBitrate needs at least 250 ms). */
const RECENT_MS = 300;

/**
 * Send-side bandwidth estimation toward one subscriber, after draft-ietf-rmcat-gcc-02: the packets we send are
 * remembered by transport-wide sequence number; each TWCC feedback gives their arrival times, from which the
 * delay-based half (5 ms groups → trendline → adaptive-threshold over-use detector → AIMD) and the loss-based half
 * each bound the rate, and the estimate is the lower of the two. Deterministic: time only enters through arguments.
 */
export class SendSideEstimator {
  readonly #now: () => number;
  readonly #min: number;
  readonly #max: number;
  readonly #history = new SentPacketHistory();
  readonly #sent = new SendRate();
  #applicationLimited = false;
  readonly #groups = new InterGroupDelay();
  readonly #trendline = new TrendlineFilter();
  readonly #detector = new OveruseDetector();
  readonly #acked = new AckedBitrate();
  /** The same over the last RECENT_MS: at an over-use the queue is standing, so this is what the link carries. */
  readonly #ackedRecent = new AckedBitrate(RECENT_MS);
  readonly #loss = new LossBasedControl();
  readonly #aimd: AimdRateControl;
  #estimate: number;
  #feedbacks = 0;
  #lostFeedbacks = 0;
  #packetsReported = 0;
  #packetsLost = 0;
  #lastFeedbackCount: number | undefined;
  #lastFeedbackMs = Number.NEGATIVE_INFINITY;
  /** Remote clock: the unwrapped reference time of the last feedback, in 64 ms units. */
  #referenceUnits: number | undefined;
  #lastGroupArrivalMs: number | undefined;

  constructor(options: SendSideEstimatorOptions = {}) {
    this.#min = options.minBitrate ?? 50_000;
    this.#max = options.maxBitrate ?? 10_000_000;
    if (!(this.#min > 0) || !(this.#max >= this.#min)) throw new RangeError(`bitrate bounds ${this.#min}–${this.#max} are not a range of positive numbers`);
    this.#now = options.now ?? (() => performance.now());
    this.#aimd = new AimdRateControl({ initialBitrate: options.initialBitrate ?? 1_000_000, minBitrate: this.#min, maxBitrate: this.#max });
    this.#estimate = this.#aimd.bitrate;
  }

  /** The current estimate, bps. */
  get estimate(): number {
    return this.#estimate;
  }

  /** The loss fraction of the last evaluated interval, 0–1 (as in `stats`, without building them). */
  get lossRate(): number {
    return this.#loss.lossRate;
  }

  /** What the subscriber acknowledged over the last second, bps; undefined until there is enough feedback. */
  get ackedBitrate(): number | undefined {
    return this.#acked.bitrate;
  }

  get stats(): SendSideEstimatorStats {
    return {
      feedbacks: this.#feedbacks,
      lostFeedbacks: this.#lostFeedbacks,
      packetsReported: this.#packetsReported,
      packetsLost: this.#packetsLost,
      lossRate: this.#loss.lossRate,
      delayTrend: this.#trendline.modifiedTrend,
      delayThreshold: this.#detector.threshold,
      state: this.#detector.state,
      rateControlState: this.#aimd.state,
      delayBasedBitrate: this.#aimd.bitrate,
      lossBasedBitrate: this.#loss.bound,
      sentBitrate: this.#sent.bitrate(this.#now()),
      applicationLimited: this.#applicationLimited,
    };
  }

  /** A packet we sent with transport-wide sequence number `transportSeq`, `size` bytes, at `sentMs`. */
  onPacketSent(transportSeq: number, size: number, sentMs: number = this.#now()): void {
    this.#history.add(transportSeq, size, sentMs);
    this.#sent.add(size, sentMs);
  }

  /** A TWCC feedback from the subscriber, received at `receivedMs` (local clock). Updates the estimate. */
  onFeedback(feedback: RtcpTwcc, receivedMs: number = this.#now()): void {
    this.#feedbacks++;
    this.#countFeedback(feedback.feedbackPacketCount);
    this.#lastFeedbackMs = receivedMs;
    let arrivalMs = this.#remoteReferenceMs(feedback.referenceTime);
    let lost = 0;
    let total = 0;
    const received: { sendMs: number; arrivalMs: number }[] = [];
    for (const p of feedback.packets) {
      if (p.deltaUs !== undefined) arrivalMs += p.deltaUs / 1000;
      const sent = this.#history.take(p.sequenceNumber);
      if (sent === undefined) continue; // not ours, too old, or already reported
      total++;
      if (p.deltaUs === undefined) {
        lost++;
        continue;
      }
      this.#acked.add(arrivalMs, sent.size);
      this.#ackedRecent.add(arrivalMs, sent.size);
      received.push({ sendMs: sent.sentMs, arrivalMs });
    }
    this.#packetsReported += total;
    this.#packetsLost += lost;
    const usage = this.#detectUsage(received);
    const acked = this.#acked.bitrate;
    // Application-limited, and the link delivered about what we sent: an over-use is our own burst, not the link
    // falling (then far less arrives than we send, and the rate goes down to what did arrive).
    const sent = this.#sent.bitrate(receivedMs);
    const limited = this.#updateApplicationLimited(sent) && acked !== undefined && acked >= DELIVERED_SHARE * sent;
    // What the link delivers: over a second that held idle moments (an SFU sends what it forwards, in frames) the
    // acknowledged rate is below it; over the last RECENT_MS before an over-use the queue was busy, so it is the link.
    const recent = this.#ackedRecent.bitrate;
    this.#aimd.update(usage, acked, receivedMs, { applicationLimited: limited, ...(recent !== undefined ? { deliveredBps: recent } : {}) });
    if (total > 0) this.#loss.addPackets(lost, total, this.#estimate, receivedMs);
    this.#combine();
  }

  /**
   * The subscriber's RTCP receiver report: `fractionLost` as a fraction 0–1 (the report block's 8-bit field / 256,
   * RFC 3550 §6.4.1). Used only while TWCC feedback is absent, since TWCC already reports loss more precisely.
   */
  onReceiverReport(fractionLost: number, now: number = this.#now()): void {
    if (!Number.isFinite(fractionLost) || now - this.#lastFeedbackMs < RR_FALLBACK_MS) return;
    this.#loss.apply(fractionLost, this.#estimate);
    this.#combine();
  }

  /** Runs the received packets, in send order, through grouping, trendline and detector; the verdict for this feedback. */
  #detectUsage(received: { sendMs: number; arrivalMs: number }[]): BandwidthUsage {
    received.sort((a, b) => a.sendMs - b.sendMs);
    let overused = false;
    for (const r of received) {
      const sample = this.#groups.push(r.sendMs, r.arrivalMs);
      if (sample === undefined) continue;
      const trend = this.#trendline.update(sample.delayVariationMs, sample.arrivalMs);
      const sinceLast = this.#lastGroupArrivalMs === undefined ? 0 : sample.arrivalMs - this.#lastGroupArrivalMs;
      this.#lastGroupArrivalMs = sample.arrivalMs;
      const usage = this.#detector.detect(trend, Math.max(0, sinceLast), sample.arrivalMs, this.#trendline.samples);
      if (usage === 'overusing') overused = true;
    }
    // An over-use seen anywhere in this feedback counts, even if the detector has calmed down by its end.
    return overused ? 'overusing' : this.#detector.state;
  }

  /** Whether we send (`sentBps`) under ALR_ENTER of the estimate (until we send over ALR_LEAVE of it again). */
  #updateApplicationLimited(sentBps: number): boolean {
    if (this.#applicationLimited ? sentBps > ALR_LEAVE * this.#estimate : sentBps < ALR_ENTER * this.#estimate) this.#applicationLimited = !this.#applicationLimited;
    return this.#applicationLimited;
  }

  /** The estimate is the lower of the two halves; the delay-based controller then resumes from it. */
  #combine(): void {
    const combined = Math.min(this.#aimd.bitrate, this.#loss.bound);
    this.#estimate = Math.min(this.#max, Math.max(this.#min, combined));
    this.#aimd.limitTo(this.#estimate);
  }

  #countFeedback(count: number): void {
    if (this.#lastFeedbackCount !== undefined) {
      const gap = (count - this.#lastFeedbackCount - 1) & 0xff;
      // A gap of more than half the space is a reordered or repeated feedback, not 200 lost ones.
      if (gap < 0x80) this.#lostFeedbacks += gap;
    }
    this.#lastFeedbackCount = count;
  }

  /** Maps the 24-bit reference time onto one continuous remote clock in ms, across its wrap (~12 days). */
  #remoteReferenceMs(referenceTime: number): number {
    const previous = this.#referenceUnits;
    if (previous === undefined) {
      this.#referenceUnits = referenceTime;
    } else {
      let diff = (referenceTime - previous) % REFERENCE_MOD;
      if (diff < 0) diff += REFERENCE_MOD;
      if (diff >= REFERENCE_MOD / 2) diff -= REFERENCE_MOD;
      this.#referenceUnits = previous + diff;
    }
    return this.#referenceUnits * REFERENCE_MS;
  }
}
