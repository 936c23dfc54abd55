/**
 * One target's run (the same for Parley and Janus): server on CPU 0, publishers and subscriber processes on CPU 1,
 * join timings, memory per consumer, a measured window at the base load, then a bounded step-up of the offered
 * load until packets are lost (or the steps run out).
 */
import type { ChildProcess } from 'node:child_process';
import { ask, machineCpu, sleep, startChild, stopChild, waitForMessage } from '../signaling/common.ts';
import { cpus } from 'node:os';
import { captureAvailable, startCapture } from './capture.ts';
import { computeWindow, type WindowFigures } from './figures.ts';
import { JanusSession } from './janus-api.ts';
import { videoRoomCreate } from './janus-config.ts';
import { BENCH_ADDRESS, addBenchInterface, startJanus } from './janus-process.ts';
import type { MediaShape } from './media-source.ts';
import { processCpuMs, processRssKiB } from './proc.ts';
import { readRtpFromPcap, residence } from './residence.ts';
import { udpDrops } from './udp-drops.ts';
import type { JoinTiming, LoadChildOptions, LoadReport, Target } from './protocol.ts';
import type { SrtpProfile } from '@parley/media';

export interface ScenarioOptions {
  publishers: number;
  subscribers: number;
  processes: number;
  shape: MediaShape;
  windowS: number;
  /** Packets per video frame for each step-up window (empty: no step-up). */
  steps: number[];
  stepS: number;
  profiles: SrtpProfile[];
}

export interface StepFigures extends WindowFigures {
  packetsPerFrame: number;
}

export interface TargetResult {
  target: Target;
  joins: JoinTiming[];
  /** Subscribers whose first join failed (DTLS handshake stalled) and that joined on a second attempt. */
  joinRetries: number;
  /** Server RSS growth per consumer (subscribed track), KiB. */
  memoryPerConsumerKiB: number;
  serverRssMiB: number;
  /** Node only: growth of V8 heap + external (Buffers) per consumer after a full GC, KiB. */
  heapPerConsumerKiB: number;
  base: WindowFigures;
  /** The server's forwarding latency at base load from kernel timestamps (residence.ts); absent without tcpdump. */
  residence?: ResidenceFigures;
  steps: StepFigures[];
}

export interface ResidenceFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The first copy of each packet: the wait before the server began sending it out. */
  firstP50Ms: number;
  firstP99Ms: number;
  matched: number;
  unmatched: number;
  droppedByKernel: number;
}

/** Seconds of the capture window at base load (its own window: capturing costs every packet a copy in the kernel). */
const CAPTURE_S = 5;
/** The capture's first moments are left out (residence.ts): attaching it to `lo` stalls the packet path. */
const CAPTURE_SETTLE_NS = 250_000_000;

interface Server {
  pid: number;
  childBase: Pick<LoadChildOptions, 'target' | 'bindAddress' | 'parleyUrl' | 'janusUrl' | 'janusRoom' | 'room'>;
  stop(): Promise<void>;
  describe(): string;
  /** Collect garbage before an RSS reading (a no-op for Janus, which has none); Node's own memory figures. */
  settle(): Promise<NodeJS.MemoryUsage | undefined>;
  /** Node only: event-loop delay since the last call (starts a new interval). */
  loop(): Promise<{ p99Ms: number; maxMs: number; fullGcs?: number; minorGcs?: number } | undefined>;
}

const JANUS_ROOM = 4242;

async function startParley(): Promise<Server> {
  // PARLEY_BENCH_SERVER_FLAGS: extra Node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const extra = process.env.PARLEY_BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = startChild('../sfu/parley-server.ts', { cpu: 0, nodeFlags: ['--expose-gc', ...extra] });
  try {
    const ready = await waitForMessage<{ port: number; pid: number }>(child, 'ready', 30_000);
    return { pid: ready.pid, childBase: { target: 'parley', bindAddress: '127.0.0.1', parleyUrl: `ws://127.0.0.1:${ready.port}`, room: 'sfu-bench' },
      stop: () => stopChild(child),
      describe: () => '',
      settle: async () => (await ask<{ mem: NodeJS.MemoryUsage }>(child, { type: 'gc' }, 'gc', 30_000)).mem,
      loop: () => ask<{ p99Ms: number; maxMs: number; fullGcs: number; minorGcs: number }>(child, { type: 'loop' }, 'loop', 10_000),
    };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

async function startJanusServer(publishers: number): Promise<Server> {
  addBenchInterface();
  const janus = await startJanus({ httpPort: 8188, cpu: 0 });
  try {
    const admin = await JanusSession.create(janus.url);
    const handle = await admin.attach('janus.plugin.videoroom');
    await admin.message(handle, videoRoomCreate(JANUS_ROOM, Math.max(publishers, 2)));
    await admin.close();
    return {
      pid: janus.pid,
      childBase: { target: 'janus', bindAddress: BENCH_ADDRESS, janusUrl: janus.url, janusRoom: JANUS_ROOM, room: 'sfu-bench' },
      stop: () => janus.stop(),
      describe: () => janus.logTail(),
      settle: async () => undefined,
      loop: async () => undefined,
    };
  } catch (err) {
    await janus.stop();
    throw err;
  }
}

async function sleepUntil(ns: bigint): Promise<void> {
  const ms = Number(ns - process.hrtime.bigint()) / 1e6;
  if (ms > 0) await sleep(ms);
}

export async function runTarget(target: Target, o: ScenarioOptions): Promise<TargetResult> {
  const server = target === 'parley' ? await startParley() : await startJanusServer(o.publishers);
  const children: ChildProcess[] = [];
  try {
    const base: LoadChildOptions = { ...server.childBase, role: 'publishers', count: o.publishers, indexBase: 0, profiles: o.profiles, shape: o.shape, expectTracks: 2 * o.publishers };
    // The publishers stamp their send time before a frame's packets go out: at the highest priority (nice −20) the
    // subscribers on the same core do not hold them between the stamp and the send.
    const pubs = startChild('../sfu/load-child.ts', { cpu: 1, niceness: -20, args: [JSON.stringify(base)] });
    children.push(pubs);
    const ready = await waitForMessage<{ publishers: Array<{ feedId?: number }> }>(pubs, 'ready', 60_000);
    const feeds = ready.publishers.map((p) => p.feedId).filter((f): f is number => f !== undefined);
    await sleep(1000);
    const mem0 = await server.settle();
    const rss0 = processRssKiB(server.pid);

    const subs: ChildProcess[] = [];
    const per = Math.ceil(o.subscribers / o.processes);
    for (let i = 0, left = o.subscribers; left > 0; i++, left -= per) {
      const opts: LoadChildOptions = { ...base, role: 'subscribers', count: Math.min(per, left), indexBase: 1000 + i * per, feeds };
      const child = startChild('../sfu/load-child.ts', { cpu: 1, args: [JSON.stringify(opts)] });
      children.push(child);
      subs.push(child);
    }
    const joined = await Promise.all(subs.map((c) => waitForMessage<{ joins: JoinTiming[]; joinRetries: number }>(c, 'ready', 120_000)));
    // One more subscriber on the load core at the highest priority (nice −20): its delays leave out most of the load
    // clients' own queueing.
    const probeOpts: LoadChildOptions = { ...base, role: 'subscribers', count: 1, indexBase: 9000, feeds };
    const probe = startChild('../sfu/load-child.ts', { cpu: 1, niceness: -20, args: [JSON.stringify(probeOpts)] });
    children.push(probe);
    await waitForMessage(probe, 'ready', 60_000);
    await sleep(2000);
    const mem1 = await server.settle();
    const rss1 = processRssKiB(server.pid);
    const consumers = o.subscribers * 2 * o.publishers;
    // Final join figures: the first packets of late joiners arrive after 'ready'; ask again.
    const joins = (await Promise.all(subs.map((c) => ask<{ joins: JoinTiming[] }>(c, { type: 'joins' }, 'joins', 10_000).catch(() => undefined)))).flatMap((r, i) => r?.joins ?? joined[i]?.joins ?? []);

    const measure = async (windowS: number): Promise<WindowFigures> => {
      const from = process.hrtime.bigint() + 300_000_000n;
      const to = from + BigInt(Math.round(windowS * 1e9));
      const msg = { type: 'window', fromNs: String(from), toNs: String(to) };
      await Promise.all(children.map((c) => ask(c, msg, 'window', 10_000)));
      await sleepUntil(from);
      await server.loop();
      const s0 = processCpuMs(server.pid);
      const c0 = children.reduce((a, c) => a + processCpuMs(c.pid as number), 0);
      const m0 = machineCpu();
      const d0 = udpDrops(server.pid);
      await sleepUntil(to);
      const s1 = processCpuMs(server.pid);
      const c1 = children.reduce((a, c) => a + processCpuMs(c.pid as number), 0);
      const m1 = machineCpu();
      const loop = await server.loop();
      // /proc/stat counts every core: busy share × cores × window = CPU ms used machine-wide.
      const machineCpuMs = m0 && m1 ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length * windowS * 1000 : Number.NaN;
      // Let the window's last packets arrive (bounded drain).
      await sleep(500);
      const d1 = udpDrops(server.pid);
      const all = await Promise.all(children.map((c) => ask<LoadReport>(c, { type: 'report' }, 'report', 10_000)));
      const reports = all.filter((_, i) => children[i] !== probe);
      const probeReport = all[children.indexOf(probe)];
      const probeWindow = probeReport ? computeWindow({ windowS, publishers: reports.flatMap((r) => r.publishers), subscribers: probeReport.subscribers, serverCpuMs: 0, clientCpuMs: 0 }) : undefined;
      const figures = computeWindow({
        windowS,
        publishers: reports.flatMap((r) => r.publishers),
        subscribers: reports.flatMap((r) => r.subscribers),
        serverCpuMs: s1 - s0,
        clientCpuMs: c1 - c0,
        machineCpuMs,
        udpDrops: { server: d1.server - d0.server, others: d1.others - d0.others },
      });
      if (loop) console.log(`  (${target} server event-loop delay in the window: p99 ${loop.p99Ms.toFixed(1)} ms, max ${loop.maxMs.toFixed(1)} ms${loop.fullGcs === undefined ? '' : `; garbage collections: ${loop.fullGcs} full, ${loop.minorGcs} minor`})`);
      if (probeWindow && probeWindow.forwarded > 0) {
        figures.probe = { p50Ms: probeWindow.delayP50Ms, p99Ms: probeWindow.delayP99Ms, maxMs: probeWindow.delayMaxMs };
        console.log(`  (${target} one-way delay to the priority subscriber: p50 ${figures.probe.p50Ms.toFixed(2)} ms, p99 ${figures.probe.p99Ms.toFixed(2)} ms, max ${figures.probe.maxMs.toFixed(1)} ms)`);
      }
      return figures;
    };

    const baseFigures = await measure(o.windowS);
    let residenceFigures: ResidenceFigures | undefined;
    if (captureAvailable()) {
      const capture = await startCapture(1);
      await sleep(CAPTURE_S * 1000 + CAPTURE_SETTLE_NS / 1e6);
      const { pcap, droppedByKernel } = await capture.stop();
      const all = await Promise.all(children.map((c) => ask<LoadReport>(c, { type: 'report' }, 'report', 10_000)));
      const r = residence(readRtpFromPcap(pcap), all.flatMap((a) => a.publishers.flatMap((p) => p.tracks)), all.flatMap((a) => a.subscribers.flatMap((sub) => sub.tracks)), CAPTURE_SETTLE_NS);
      residenceFigures = { p50Ms: r.histogram.percentileMs(50), p99Ms: r.histogram.percentileMs(99), maxMs: r.histogram.maxNs / 1e6,
        firstP50Ms: r.firstCopy.percentileMs(50), firstP99Ms: r.firstCopy.percentileMs(99), matched: r.matched, unmatched: r.unmatched, droppedByKernel };
      console.log(
        `  (${target} forwarding latency from kernel timestamps, publisher's send → server's send on lo, ${CAPTURE_S} s at base load: p50 ${residenceFigures.p50Ms.toFixed(2)} ms, p99 ${residenceFigures.p99Ms.toFixed(2)} ms, max ${residenceFigures.maxMs.toFixed(2)} ms; ` +
          `first copy of each packet p50 ${residenceFigures.firstP50Ms.toFixed(2)} ms, p99 ${residenceFigures.firstP99Ms.toFixed(2)} ms; ` +
          `${r.matched} copies paired, ${r.unmatched} not, ${r.unknown} other packets; capture dropped ${droppedByKernel})`,
      );
    } else console.log(`  (${target} forwarding latency from kernel timestamps: not measured, tcpdump is not installed — apt-get install -y tcpdump)`);
    const steps: StepFigures[] = [];
    for (const packetsPerFrame of o.steps) {
      await ask(pubs, { type: 'shape', shape: { ...o.shape, packetsPerFrame } }, 'shape', 10_000);
      await sleep(700);
      const f = { ...(await measure(o.stepS)), packetsPerFrame };
      steps.push(f);
      // Stop at the first loss, or when the server or the load generator's core is saturated.
      if (f.lost > 0 || f.serverCpuPct > 97 || f.clientCpuPct > 97) break;
    }
    return { target, joins, joinRetries: joined.reduce((a, j) => a + j.joinRetries, 0), memoryPerConsumerKiB: (rss1 - rss0) / consumers,
      heapPerConsumerKiB: mem0 && mem1 ? (mem1.heapUsed + mem1.external - mem0.heapUsed - mem0.external) / 1024 / consumers : Number.NaN, serverRssMiB: rss1 / 1024, base: baseFigures, residence: residenceFigures, steps };
  } catch (err) {
    const tail = server.describe();
    if (tail) console.error(`--- ${target} log tail ---\n${tail}`);
    throw err;
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    await server.stop();
  }
}
