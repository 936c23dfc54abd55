/**
 * Turns one measured window's raw reports into the bench's figures. Pure, so the arithmetic (loss, CPU per
 * forwarded packet, merged delay percentiles) is tested without servers.
 */
import type { PublisherReport, SubscriberReport } from './protocol.ts';
import { DelayHistogram, streamKey } from './receive-stats.ts';

export interface WindowInput {
  windowS: number;
  publishers: readonly PublisherReport[];
  subscribers: readonly SubscriberReport[];
  /** Server CPU time used during the window, ms (all threads). */
  serverCpuMs: number;
  /** CPU time of the load processes during the window, ms. */
  clientCpuMs: number;
  /** CPU time of the whole machine during the window, ms (all cores); NaN when unknown. */
  machineCpuMs?: number;
  /** Datagrams the kernel dropped for a full receive buffer during the window: on the server's sockets, on the others. */
  udpDrops?: { server: number; others: number };
}

export interface WindowFigures {
  /** Packets the publishers sent in the window (all tracks). */
  published: number;
  /** Σ over subscribers of the packets they should have received (every track of every publisher). */
  expected: number;
  /** Σ received: the packets the server forwarded and that arrived. */
  forwarded: number;
  lost: number;
  lossPct: number;
  /** Packets no subscriber received (Σ per stream of sent − best subscriber): lost before or inside the server's input. */
  lostByAll: number;
  /** Subscribers that lost at least one packet, and the worst one's loss. */
  subscribersWithLoss: number;
  worstSubscriberLost: number;
  forwardedPerS: number;
  serverCpuPct: number;
  /** Server CPU µs per forwarded packet. */
  cpuPerPacketUs: number;
  /** Forwarded packets per second one core would sustain at this cost (1e6 / µs per packet). */
  capacityPerCore: number;
  clientCpuPct: number;
  /** CPU used by every other process on the machine (% of one core): high values mean a noisy measurement. */
  otherCpuPct: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /**
   * The same delay measured by one more subscriber that runs at the highest priority (nice −20) on the load core,
   * so that little of the load clients' own queueing is in it: mostly what the server and the loopback add.
   */
  probe?: { p50Ms: number; p99Ms: number; maxMs: number };
  duplicates: number;
  srtpFailures: number;
  /** Receive-buffer drops in the window (kernel counters): server sockets / load-client sockets. */
  serverSocketDrops: number;
  clientSocketDrops: number;
}

export function computeWindow(w: WindowInput): WindowFigures {
  const sent = new Map<string, number>();
  for (const p of w.publishers) {
    sent.set(streamKey(p.index, 0), p.audio);
    sent.set(streamKey(p.index, 1), p.video);
  }
  let published = 0;
  for (const n of sent.values()) published += n;
  let expected = 0;
  let forwarded = 0;
  let lost = 0;
  let withLoss = 0;
  let worst = 0;
  let duplicates = 0;
  let srtpFailures = 0;
  const delay = new DelayHistogram();
  const best = new Map<string, number>();
  for (const s of w.subscribers) {
    let subLost = 0;
    for (const [key, n] of sent) {
      const got = Math.min(n, s.received[key] ?? 0);
      best.set(key, Math.max(best.get(key) ?? 0, got));
      expected += n;
      forwarded += got;
      subLost += n - got;
    }
    lost += subLost;
    if (subLost > 0) withLoss++;
    worst = Math.max(worst, subLost);
    duplicates += s.duplicates;
    srtpFailures += s.srtpFailures;
    delay.merge(DelayHistogram.fromSparse(s.delay, s.delayMaxNs));
  }
  let lostByAll = 0;
  if (w.subscribers.length > 0) for (const [key, n] of sent) lostByAll += n - (best.get(key) ?? 0);
  const cpuPerPacketUs = forwarded > 0 ? (w.serverCpuMs * 1000) / forwarded : Number.NaN;
  return {
    published,
    expected,
    forwarded,
    lost,
    lossPct: expected > 0 ? (lost / expected) * 100 : Number.NaN,
    lostByAll,
    subscribersWithLoss: withLoss,
    worstSubscriberLost: worst,
    forwardedPerS: forwarded / w.windowS,
    serverCpuPct: (w.serverCpuMs / (w.windowS * 1000)) * 100,
    cpuPerPacketUs,
    capacityPerCore: cpuPerPacketUs > 0 ? 1e6 / cpuPerPacketUs : Number.NaN,
    clientCpuPct: (w.clientCpuMs / (w.windowS * 1000)) * 100,
    otherCpuPct: Math.max(0, (((w.machineCpuMs ?? Number.NaN) - w.serverCpuMs - w.clientCpuMs) / (w.windowS * 1000)) * 100),
    delayP50Ms: delay.percentileMs(50),
    delayP99Ms: delay.percentileMs(99),
    delayMaxMs: delay.maxNs / 1e6,
    duplicates,
    srtpFailures,
    serverSocketDrops: w.udpDrops?.server ?? Number.NaN,
    clientSocketDrops: w.udpDrops?.others ?? Number.NaN,
  };
}

/** Ratio Parley / Janus for the table; "–" when either side is missing. */
export function ratio(parley: number, janus: number): number {
  return Number.isFinite(parley) && Number.isFinite(janus) && janus !== 0 ? parley / janus : Number.NaN;
}
