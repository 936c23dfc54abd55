import { randomInt } from 'node:crypto';
import { SendSideEstimator } from '../bwe/send-estimator.ts';
import { TwccResponder } from '../bwe/twcc-responder.ts';
import { ReceiveStreamStats, senderReport } from '../bwe/reports.ts';
import { ntpFromUnixMs, ntpMiddle32 } from '../bwe/ntp.ts';
import { parseRtcp, serializeRtcp } from '../rtcp.ts';
import type { ReportBlock } from '../rtcp-reports.ts';
import type { Consumer } from '../sfu/consumer.ts';

/** RFC 3550 §6.2 leaves the interval to the profile; WebRTC endpoints report about once a second. */
const REPORT_INTERVAL_MS = 1000;
/** A round trip longer than this from a report block is taken for garbage. */
const MAX_RTT_MS = 10_000;
/** Inbound SSRCs tracked for receiver reports, at most. */
const MAX_RECEIVE_STREAMS = 32;

export interface MediaFeedbackStats {
  rtcpIn: number;
  rtcpMalformed: number;
  nacksIn: number;
  keyframeRequestsIn: number;
  twccIn: number;
  twccOut: number;
  reportsOut: number;
}

/**
 * The RTCP of one SFU transport: transport-wide CC feedback to the publisher (so its browser's estimate stays
 * honest), a send-side estimate of the subscriber's downlink from its feedback, receiver reports for what we
 * receive and sender reports for what we send, and dispatch of subscribers' NACK/PLI/FIR to their consumers.
 */
export class MediaFeedback {
  /** Our SSRC as an RTCP sender (RFC 3550 §8: random). */
  readonly ssrc = randomInt(1, 0xffff_fffe);
  readonly stats: MediaFeedbackStats = { rtcpIn: 0, rtcpMalformed: 0, nacksIn: 0, keyframeRequestsIn: 0, twccIn: 0, twccOut: 0, reportsOut: 0 };
  readonly #send: (rtcp: Buffer) => void;
  readonly #responder: TwccResponder;
  // Start as Chrome does (300 kbit/s there), a little higher: the lowest layers of a few tiles fit, and upgrades
  // wait until the feedback says the link carries them.
  readonly #estimator = new SendSideEstimator({ initialBitrate: 500_000 });
  readonly #receive = new Map<number, ReceiveStreamStats>();
  #transportSeq = randomInt(0, 0x1_0000);
  #lastReport = 0;
  #rttMs: number | undefined;

  constructor(options: { send: (rtcp: Buffer) => void }) {
    this.#send = options.send;
    this.#responder = new TwccResponder({ senderSsrc: this.ssrc });
  }

  /** The subscriber's estimated downlink, bps. */
  get estimate(): number {
    return this.#estimator.estimate;
  }

  get estimator(): SendSideEstimator {
    return this.#estimator;
  }

  /** The round trip to the subscriber (smoothed, RFC 3550 §6.4.1 from its reports on our sender reports), ms. */
  get rttMs(): number | undefined {
    return this.#rttMs;
  }

  /** An inbound packet's transport-wide sequence number. */
  onTransportSequence(seq: number, arrivalMs: number, mediaSsrc: number): void {
    this.#responder.onPacket(seq, arrivalMs, mediaSsrc);
  }

  /** Every inbound RTP packet, for receiver reports (loss, jitter). */
  onMediaPacket(packet: Buffer, ssrc: number, clockRate: number, arrivalMs: number): void {
    let stream = this.#receive.get(ssrc);
    if (!stream) {
      if (this.#receive.size >= MAX_RECEIVE_STREAMS) return;
      this.#receive.set(ssrc, (stream = new ReceiveStreamStats(ssrc, clockRate)));
    }
    stream.onPacket(packet.readUInt16BE(2), packet.readUInt32BE(4), arrivalMs);
  }

  /** Writes the next transport-wide sequence number into an outbound packet and remembers it for the estimate. */
  stampTransportSequence(packet: Buffer, offset: number, nowMs: number): void {
    const seq = this.#transportSeq;
    this.#transportSeq = (seq + 1) & 0xffff;
    packet.writeUInt16BE(seq, offset);
    this.#estimator.onPacketSent(seq, packet.length, nowMs);
  }

  /** A decrypted compound RTCP packet from the client. Malformed input is counted and dropped. */
  onRtcp(packet: Buffer, consumerOf: (ssrc: number) => Consumer | undefined): void {
    this.stats.rtcpIn++;
    let parsed;
    try {
      parsed = parseRtcp(packet);
    } catch {
      this.stats.rtcpMalformed++;
      return;
    }
    const now = performance.now();
    for (const p of parsed.packets) {
      switch (p.type) {
        case 'nack':
          this.stats.nacksIn++;
          consumerOf(p.mediaSsrc)?.handleNack(p.lost);
          break;
        case 'pli':
          this.stats.keyframeRequestsIn++;
          consumerOf(p.mediaSsrc)?.handleKeyframeRequest();
          break;
        case 'fir':
          this.stats.keyframeRequestsIn++;
          for (const e of p.entries) consumerOf(e.ssrc)?.handleKeyframeRequest();
          break;
        case 'twcc':
          this.stats.twccIn++;
          this.#estimator.onFeedback(p, now);
          break;
        case 'sr':
          this.#receive.get(p.ssrc)?.onSenderReport(p, now);
          for (const block of p.reports) this.#onReportBlock(block, consumerOf, now);
          break;
        case 'rr':
          for (const block of p.reports) this.#onReportBlock(block, consumerOf, now);
          break;
        default:
          break;
      }
    }
  }

  #onReportBlock(block: ReportBlock, consumerOf: (ssrc: number) => Consumer | undefined, now: number): void {
    if (!consumerOf(block.ssrc)) return;
    this.#estimator.onReceiverReport(block.fractionLost / 256, now);
    if (block.lastSr === 0) return; // no sender report of ours received yet
    // RFC 3550 §6.4.1: RTT = A − LSR − DLSR, all in 1/65536 s, A being now in the middle 32 bits of NTP time.
    const { ntpSeconds, ntpFraction } = ntpFromUnixMs(performance.timeOrigin + now);
    const units = (ntpMiddle32(ntpSeconds, ntpFraction) - block.lastSr - block.delaySinceLastSr) >>> 0;
    const ms = (units * 1000) / 65536;
    if (ms > MAX_RTT_MS) return; // negative (wrapped) or nonsense: a forged or garbled block
    this.#rttMs = this.#rttMs === undefined ? ms : 0.875 * this.#rttMs + 0.125 * ms;
  }

  /** Due feedback now (call every ~50 ms), and reports once a second. */
  tick(now: number, consumers: readonly Consumer[]): void {
    for (const fb of this.#responder.takeFeedback()) {
      this.stats.twccOut++;
      this.#send(fb);
    }
    if (now - this.#lastReport < REPORT_INTERVAL_MS) return;
    this.#lastReport = now;
    const blocks = [...this.#receive.values()].slice(0, 31).map((s) => s.reportBlock(now));
    const packets = [];
    if (blocks.length > 0) packets.push({ type: 'rr' as const, ssrc: this.ssrc, reports: blocks });
    for (const c of consumers) {
      const sent = c.lastSent;
      if (sent.packets === 0) continue;
      packets.push(senderReport({ ssrc: c.ssrc, clockRate: c.producer.clockRate, rtpTimestamp: sent.rtpTimestamp, sentAtMs: sent.at, packets: sent.packets, octets: sent.octets, nowMs: now }));
    }
    if (packets.length === 0) return;
    this.stats.reportsOut++;
    this.#send(serializeRtcp(packets));
  }

  forgetSsrc(ssrc: number): void {
    this.#receive.delete(ssrc);
  }
}
