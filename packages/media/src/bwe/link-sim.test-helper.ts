/**
 * A discrete-event model of one path for the estimator tests: a paced sender, a bottleneck of capacity C with a
 * drop-tail FIFO, optional random loss, a receiver running TwccResponder every 50 ms, and the feedback travelling
 * back to a SendSideEstimator. Pure and seeded: no timers, no sockets.
 */
import { parseRtcp } from '../rtcp.ts';
import type { RtcpTwcc } from '../twcc.ts';
import { SendSideEstimator, type SendSideEstimatorOptions } from './send-estimator.ts';
import { TwccResponder } from './twcc-responder.ts';

/** mulberry32: a tiny seeded PRNG, so that "random" loss is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkSimOptions {
  durationMs: number;
  /** Bottleneck capacity at time t, bps. */
  capacityBps: (tMs: number) => number;
  /** Sending rate at time t given the current estimate, bps. */
  sendRateBps: (tMs: number, estimateBps: number) => number;
  packetSize?: number;
  /** One-way propagation delay, each direction. */
  propagationMs?: number;
  /** Drop-tail: a packet that would wait longer than this in the queue is dropped. */
  queueLimitMs?: number;
  /** Random loss before the bottleneck. */
  lossRate?: number;
  /** Uniform extra delay 0..jitterMs after the bottleneck (never reordering). */
  jitterMs?: number;
  seed?: number;
  estimator?: SendSideEstimatorOptions;
  /** First transport-wide sequence number (to cross the 16-bit wrap on purpose). */
  firstSeq?: number;
}

export interface LinkSimSample {
  tMs: number;
  estimate: number;
  acked: number | undefined;
}

export interface LinkSimResult {
  samples: LinkSimSample[];
  estimator: SendSideEstimator;
  sent: number;
  dropped: number;
  feedbackPackets: number;
}

const TICK_MS = 50;

export function simulateLink(o: LinkSimOptions): LinkSimResult {
  const random = seededRandom(o.seed ?? 1);
  const size = o.packetSize ?? 1200;
  const propagationMs = o.propagationMs ?? 20;
  const queueLimitMs = o.queueLimitMs ?? 300;
  const estimator = new SendSideEstimator(o.estimator);
  const responder = new TwccResponder({ senderSsrc: 1, mediaSsrc: 2 });
  const arrivals: { seq: number; atMs: number }[] = [];
  const feedback: { atMs: number; twcc: RtcpTwcc }[] = [];
  const samples: LinkSimSample[] = [];
  let seq = o.firstSeq ?? 0;
  let nextSendMs = 0;
  let linkFreeAtMs = 0;
  let lastArrivalMs = 0;
  let sent = 0;
  let dropped = 0;
  let feedbackPackets = 0;
  for (let t = TICK_MS; t <= o.durationMs; t += TICK_MS) {
    // The sender paces packets evenly at the rate chosen from the estimate as of this tick.
    const rate = Math.max(1, o.sendRateBps(t, estimator.estimate));
    const gapMs = (size * 8 * 1000) / rate;
    for (let i = 0; nextSendMs < t && i < 10_000; i++, nextSendMs += gapMs) {
      const s = seq;
      seq = (seq + 1) & 0xffff;
      sent++;
      estimator.onPacketSent(s, size, nextSendMs);
      if (o.lossRate !== undefined && random() < o.lossRate) {
        dropped++;
        continue;
      }
      const queuedMs = Math.max(0, linkFreeAtMs - nextSendMs);
      if (queuedMs > queueLimitMs) {
        dropped++;
        continue;
      }
      linkFreeAtMs = Math.max(linkFreeAtMs, nextSendMs) + (size * 8 * 1000) / o.capacityBps(nextSendMs);
      const jitter = o.jitterMs === undefined ? 0 : random() * o.jitterMs;
      lastArrivalMs = Math.max(lastArrivalMs, linkFreeAtMs + propagationMs + jitter);
      arrivals.push({ seq: s, atMs: lastArrivalMs });
    }
    // The receiver records what has arrived by now and sends its feedback.
    while (arrivals.length > 0 && (arrivals[0] as { atMs: number }).atMs <= t) {
      const a = arrivals.shift() as { seq: number; atMs: number };
      responder.onPacket(a.seq, a.atMs, 2);
    }
    for (const buf of responder.takeFeedback()) {
      feedbackPackets++;
      feedback.push({ atMs: t + propagationMs, twcc: parseRtcp(buf).packets[0] as RtcpTwcc });
    }
    while (feedback.length > 0 && (feedback[0] as { atMs: number }).atMs <= t) {
      const f = feedback.shift() as { atMs: number; twcc: RtcpTwcc };
      estimator.onFeedback(f.twcc, t);
    }
    samples.push({ tMs: t, estimate: estimator.estimate, acked: estimator.ackedBitrate });
  }
  return { samples, estimator, sent, dropped, feedbackPackets };
}

/** Estimates sampled in [fromMs, toMs]. */
export function estimatesBetween(result: LinkSimResult, fromMs: number, toMs: number): number[] {
  return result.samples.filter((s) => s.tMs >= fromMs && s.tMs <= toMs).map((s) => s.estimate);
}
