// A load process of the SFU bench (see run.ts): either all publishers, or a share of the subscribers, of one target.
//   argv[2]: LoadChildOptions (JSON)
//   ← { type: 'ready', publishers?: [{ index, producerIds?, feedId? }], joins?: JoinTiming[] }
//   → { type: 'window', fromNs, toNs }  ← { type: 'window' }          (bigints as decimal strings)
//   → { type: 'shape', shape }          ← { type: 'shape' }           (publishers: change the offered load)
//   → { type: 'report' }                ← { type: 'report', ...LoadReport }
//   → { type: 'joins' }                 ← { type: 'joins', joins: JoinTiming[] }
//   → { type: 'exit' }
import { TokenService } from '@parley/server';
import { createDtlsCertificate, rtpHeaderLength } from '@parley/media';
import { BENCH_SECRET } from '../signaling/common.ts';
import { publishToJanus, publishToParley, subscribeToJanus, subscribeToParley, type EndpointOptions, type Publisher } from './connect.ts';
import { JanusSession } from './janus-api.ts';
import type { BenchPeer } from './peer.ts';
import type { MediaShape } from './media-source.ts';
import { ParleySignal } from './parley-signal.ts';
import { readTrailer } from './payload.ts';
import { ReceiveStats } from './receive-stats.ts';
import { StreamNumbering } from './residence.ts';
import type { LoadChildOptions, LoadReport, JoinTiming } from './protocol.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as LoadChildOptions;
const send = (m: object): void => {
  process.send?.(m);
};
const ms = (ns: bigint): number => Number(ns) / 1e6;

const certificate = await createDtlsCertificate();
const endpoint: EndpointOptions = { bindAddress: options.bindAddress, certificate, profiles: options.profiles, connectTimeoutMs: 15_000 };
const tokens = new TokenService(BENCH_SECRET);
const signals: ParleySignal[] = [];
let janus: JanusSession | undefined;
const publishers: Publisher[] = [];
const subscribers: Array<{ peer: BenchPeer; stats: ReceiveStats; numbering: StreamNumbering; timing: JoinTiming }> = [];
let sendTimer: NodeJS.Timeout | undefined;

async function signal(identity: string): Promise<ParleySignal> {
  const { token } = await tokens.mint({ room: options.room, identity, ttlS: 3600 });
  const s = await ParleySignal.connect(options.parleyUrl ?? '', token);
  signals.push(s);
  return s;
}

async function startPublishers(): Promise<void> {
  for (let i = 0; i < options.count; i++) {
    const index = options.indexBase + i;
    const pub = options.target === 'parley' ? await publishToParley(await signal(`pub${index}`), index, endpoint, options.shape) : await publishToJanus(janus as JanusSession, options.janusRoom ?? 0, index, endpoint, options.shape);
    publishers.push(pub);
  }
  // One pacing loop for all publishers: every 2 ms, whatever is due (media-source.ts bounds any catch-up).
  sendTimer = setInterval(() => {
    const now = process.hrtime.bigint();
    for (const p of publishers) for (const packet of p.source.due(now)) p.peer.sendRtp(packet);
  }, 2);
}

function onRtpFor(stats: ReceiveStats, numbering: StreamNumbering, timing: JoinTiming): (packet: Buffer, arrivedNs: bigint) => void {
  return (packet, arrivedNs) => {
    let start: number;
    try {
      start = rtpHeaderLength(packet);
    } catch {
      stats.onForeign();
      return;
    }
    const end = (packet[0] as number) & 0x20 ? packet.length - (packet[packet.length - 1] as number) : packet.length;
    const t = readTrailer(packet, start, end);
    if (!t) return stats.onForeign();
    if (timing.firstPacketMs < 0) timing.firstPacketMs = ms(arrivedNs - timing.startNs);
    if (t.track === 1 && timing.firstVideoMs < 0) timing.firstVideoMs = ms(arrivedNs - timing.startNs);
    stats.onPacket(t, arrivedNs);
    numbering.observe(packet.readUInt32BE(8), packet.readUInt16BE(2), t.publisher, t.track, t.seq);
  };
}

/** Joins allowed per subscriber: a failed DTLS handshake (see README, "werift DTLS under load") is retried once. */
const JOIN_ATTEMPTS = 2;
let joinRetries = 0;

async function joinOnce(index: number, stats: ReceiveStats, numbering: StreamNumbering, timing: JoinTiming): Promise<BenchPeer> {
  const h = { onRtp: onRtpFor(stats, numbering, timing) };
  if (options.target === 'janus') {
    timing.startNs = process.hrtime.bigint();
    return subscribeToJanus(janus as JanusSession, options.janusRoom ?? 0, options.feeds ?? [], endpoint, h);
  }
  const s = await signal(`sub${index}-${joinRetries}`);
  try {
    const producers = await s.waitForProducers(options.expectTracks, 15_000);
    // The join starts with the subscribe request (after the signaling session exists, as Janus's session does).
    timing.startNs = process.hrtime.bigint();
    return await subscribeToParley(s, producers.map((p) => ({ id: p.id, kind: p.kind })), endpoint, h);
  } catch (err) {
    s.close();
    throw err;
  }
}

async function startSubscriber(i: number): Promise<void> {
  const index = options.indexBase + i;
  const stats = new ReceiveStats();
  const numbering = new StreamNumbering();
  const timing: JoinTiming = { index, startNs: 0n, connectedMs: -1, firstPacketMs: -1, firstVideoMs: -1 };
  for (let attempt = 1; ; attempt++) {
    try {
      const peer = await joinOnce(index, stats, numbering, timing);
      timing.connectedMs = ms(process.hrtime.bigint() - timing.startNs);
      subscribers.push({ peer, stats, numbering, timing });
      return;
    } catch (err) {
      if (attempt >= JOIN_ATTEMPTS) throw err;
      joinRetries++;
      console.error(`subscriber ${index}: join failed (${err instanceof Error ? err.message.slice(0, 300) : String(err)}); retrying`);
    }
  }
}

function report(): LoadReport {
  const cpu = process.cpuUsage();
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    publishers: publishers.map((p) => ({ index: p.source.publisher, audio: p.source.audio.inWindow, video: p.source.video.inWindow, keyframes: p.source.keyframesSent, keyRequests: p.source.keyRequests, sendErrors: p.peer.stats.sendErrors,
      tracks: [p.source.audio, p.source.video].map((t, track) => ({ publisher: p.source.publisher, track, ssrc: t.ssrc, firstSeq: t.firstSeq })) })),
    subscribers: subscribers.map(({ peer, stats, numbering, timing }) => {
      const snap = stats.snapshot();
      return { index: timing.index, received: snap.received, duplicates: snap.duplicates, foreign: snap.foreign, srtpFailures: peer.stats.srtpFailures, rtpIn: peer.stats.rtpIn, delay: snap.delay.toSparse(), delayMaxNs: snap.delay.maxNs, tracks: numbering.tracks() };
    }),
  };
}

function joinTimings(): Array<Omit<JoinTiming, 'startNs'> & { startNs: string }> {
  return subscribers.map((s) => ({ ...s.timing, startNs: String(s.timing.startNs) }));
}

process.on('message', (m: { type?: string; fromNs?: string; toNs?: string; shape?: MediaShape }) => {
  switch (m.type) {
    case 'window': {
      const from = BigInt(m.fromNs ?? '0');
      const to = BigInt(m.toNs ?? '0');
      for (const p of publishers) p.source.setWindow(from, to);
      for (const s of subscribers) s.stats.setWindow(from, to);
      return send({ type: 'window' });
    }
    case 'shape':
      for (const p of publishers) if (m.shape) p.source.shape = m.shape;
      return send({ type: 'shape' });
    case 'report':
      return send({ type: 'report', ...report() });
    case 'joins':
      return send({ type: 'joins', joins: joinTimings() });
    case 'exit':
      clearInterval(sendTimer);
      for (const p of publishers) p.peer.close();
      for (const s of subscribers) s.peer.close();
      for (const s of signals) s.close();
      void (janus?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
    default:
      return;
  }
});
process.on('disconnect', () => process.exit(0));

try {
  if (options.target === 'janus') janus = await JanusSession.create(options.janusUrl ?? '');
  if (options.role === 'publishers') {
    await startPublishers();
    send({ type: 'ready', publishers: publishers.map((p) => ({ index: p.source.publisher, feedId: p.feedId })) });
  } else {
    // One join at a time per process (several processes join in parallel), as a room fills.
    for (let i = 0; i < options.count; i++) await startSubscriber(i);
    send({ type: 'ready', joins: joinTimings(), joinRetries });
  }
} catch (err) {
  send({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
