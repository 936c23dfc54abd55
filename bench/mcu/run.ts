// Entry point: `npm run bench:mcu [-- --long]` (see args.ts), inside a fresh network namespace (scripts/netns.mjs).
// The mixer runs in one process pinned to CPU 0; libwebrtc participants in another on CPU 1. Prints per step and
// the targets. Method: bench/mcu/README.md.
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg, networkInterfaces } from 'node:os';
import { fmt, machineCpu, printTable, sleep, startChild, stopChild, summarize, ask, waitForMessage } from '../signaling/common.ts';
import { processCpuMs } from '../sfu/proc.ts';
import { USAGE, parseMcuArgs } from './args.ts';
import type { LoadReport, LoadSpec, MixerConfig, MixerWindow } from './protocol.ts';

let args;
try {
  args = parseMcuArgs(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
if (process.env.PARLEY_NETNS !== '1' || !Object.keys(networkInterfaces()).every((n) => n === 'lo')) {
  console.error(`refusing to run: the MCU bench runs WebRTC peers; run it in its own namespace (npm run bench:mcu).\n${USAGE}`);
  process.exit(2);
}
const ceiling = setTimeout(() => {
  console.error('bench: overall time limit reached; aborting');
  process.exit(3);
}, (20 + args.soakS / 60) * 60_000);
ceiling.unref();

const SIZE = 4;
const mixer = startChild('../mcu/mixer-child.ts', { cpu: 0, nodeFlags: (process.env.PARLEY_BENCH_MIXER_FLAGS ?? '').split(' ').filter(Boolean) });
const load = startChild('../mcu/load-child.ts', { cpu: 1 });
await Promise.all([waitForMessage(mixer, 'ready', 20_000), waitForMessage(load, 'ready', 20_000)]);
// The load process's offers go to the mixer; the answers come back.
load.on('message', (m: { type: string; key?: string }) => {
  if (m.type !== 'offer') return;
  ask<{ sdp?: string; error?: string }>(mixer, m, `answer:${m.key}`, 20_000).then(
    (a) => load.send({ type: 'answer', key: m.key, sdp: a.sdp, error: a.error }),
    (err: unknown) => load.send({ type: 'answer', key: m.key, error: String(err) }),
  );
});

interface Row {
  label: string;
  rooms: number;
  config: MixerConfig;
  mixerCpuPct: number;
  loadCpuPct: number;
  otherCpuPct: number;
  mixer: MixerWindow;
  load: LoadReport;
  seconds: number;
}

/** One measured window: `rooms` rooms of four at `config`, after a warm-up. */
async function measure(label: string, rooms: number, config: MixerConfig, input: LoadSpec['input'], seconds: number, direct = false): Promise<Row> {
  await ask(mixer, { type: 'configure', config }, 'configured', 20_000);
  const spec: LoadSpec = { rooms: Array.from({ length: rooms }, (_, i) => `${label}-r${i}`), size: SIZE, input, output: { width: config.width, height: config.height }, direct };
  await ask(load, { type: 'start', spec }, 'started', 60_000);
  await sleep(4000); // connections, first key frames, jitter buffers settle
  await ask(mixer, { type: 'window' }, 'window', 20_000);
  await ask(load, { type: 'report' }, 'report', 20_000);
  const cpu0 = { mixer: processCpuMs(mixer.pid!), machine: machineCpu() };
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = { mixer: processCpuMs(mixer.pid!), machine: machineCpu() };
  const w = await ask<MixerWindow>(mixer, { type: 'window' }, 'window', 20_000);
  const l = await ask<LoadReport>(load, { type: 'report' }, 'report', 20_000);
  const mixerCpuPct = ((cpu1.mixer - cpu0.mixer) / (elapsed * 1000)) * 100;
  const machinePct = cpu0.machine && cpu1.machine ? ((cpu1.machine.busy - cpu0.machine.busy) / (cpu1.machine.total - cpu0.machine.total)) * cpus().length * 100 : Number.NaN;
  await ask(load, { type: 'stopAll' }, 'stopped', 20_000);
  await ask(mixer, { type: 'closeRooms' }, 'closed', 20_000);
  await sleep(1000);
  return { label, rooms, config, mixerCpuPct, loadCpuPct: l.cpuPct, otherCpuPct: machinePct - mixerCpuPct - l.cpuPct, mixer: w, load: l, seconds: elapsed };
}

/** The latency target (glass-to-glass p50 through the mixer). */
const LATENCY_TARGET_MS = 150;

/**
 * Whether a window kept every output frame: no composite skipped, every listener decoding ≥ 90 % of fps at full size,
 * and the video still in time (p50 within the latency target). A saturated core can still deliver every frame, late
 * composites caught up, seconds behind: that is not a room the mixer carries.
 */
function kept(r: Row): boolean {
  const inTime = summarize(r.load.videoLatencyMs).p50 <= LATENCY_TARGET_MS;
  return r.mixer.videoFramesSkipped === 0 && r.load.fps.length > 0 && Math.min(...r.load.fps) >= 0.9 * r.config.fps && r.load.minWidth === r.config.width && inTime;
}

function rowCells(r: Row): string[] {
  const v = summarize(r.load.videoLatencyMs);
  const a = summarize(r.load.audioLatencyMs);
  const fps = r.load.fps;
  return [
    `${r.rooms} × ${SIZE} @ ${r.config.width}x${r.config.height}@${r.config.fps}`,
    fmt(r.mixerCpuPct, 0),
    fmt(r.mixerCpuPct / r.rooms, 1),
    `${fmt(r.mixer.eventLoopP99Ms, 1)} / ${fmt(r.mixer.eventLoopMaxMs, 0)}`,
    `${r.mixer.videoFramesSkipped} / ${r.mixer.videoFramesLate}`,
    fps.length ? `${fmt(Math.min(...fps), 1)} / ${fmt(fps.reduce((s, x) => s + x, 0) / fps.length, 1)}` : '–',
    Number.isFinite(r.load.minWidth) ? String(r.load.minWidth) : '–',
    `${fmt(v.p50, 0)} / ${fmt(v.p95, 0)} (${v.n})`,
    `${fmt(a.p50, 0)} / ${fmt(a.p95, 0)} (${a.n})`,
    String(r.mixer.audioGlitches),
    `${fmt(r.loadCpuPct, 0)} / ${fmt(r.otherCpuPct, 0)}`,
    kept(r) ? 'yes' : 'NO',
  ];
}
const HEADERS = ['rooms', 'mixer CPU %', 'CPU %/room', 'loop p99/max ms', 'skipped / late', 'decoded fps min/avg', 'min width', 'video ms p50/p95 (n)', 'audio ms p50/p95 (n)', 'glitches', 'load / other CPU %', 'all frames'];

const cpu = cpus();
console.log(`# Parley MCU — ${new Date().toISOString()}`);
console.log(`node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}; loadavg ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('mixer process pinned to CPU 0, load (libwebrtc participants) to CPU 1; rooms of 4, grid layout; inputs 640x360 (stamped, moving), tone bursts');
const SD: MixerConfig = { width: 640, height: 360, fps: 15, videoBitrateBps: 800_000 };
const rows: Row[] = [];
let exitCode = 0;
try {
  const direct = await measure('direct', 1, SD, { width: 640, height: 360, fps: 15 }, Math.min(8, args.windowS), true);
  const directV = summarize(direct.load.videoLatencyMs);
  const directA = summarize(direct.load.audioLatencyMs);
  console.log(`\nbaseline without the mixer (publisher → subscriber, same process): video p50 ${fmt(directV.p50, 0)} ms (n ${directV.n}), audio p50 ${fmt(directA.p50, 0)} ms (n ${directA.n})\n`);
  // Up the steps until two in a row lose frames (one can be a burst of load from elsewhere on the machine).
  let best = 0;
  let failures = 0;
  for (const rooms of args.steps) {
    const r = await measure('sd', rooms, SD, { width: 640, height: 360, fps: 15 }, args.windowS);
    rows.push(r);
    console.log(`step: ${rowCells(r).join(' | ')}`);
    if (kept(r)) best = Math.max(best, rooms);
    failures = kept(r) ? 0 : failures + 1;
    if (failures === 2) break;
  }
  if (!args.skipHd) rows.push(await measure('hd', 1, { width: 1280, height: 720, fps: 30, videoBitrateBps: 2_500_000 }, { width: 640, height: 360, fps: 30 }, args.windowS));
  console.log(`\nsoak: ${args.soakRooms} room(s) at 640x360@15 for ${args.soakS} s`);
  const soak = await measure('soak', args.soakRooms, SD, { width: 640, height: 360, fps: 15 }, args.soakS);
  rows.push(soak);
  console.log(`\nloadavg after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  printTable(HEADERS, rows.map(rowCells));
  // CPU per room where the most rooms kept every frame: one room also pays the process's fixed costs alone.
  const top = rows.find((r) => r.label === 'sd' && r.rooms === best) ?? rows.find((r) => r.label === 'sd' && r.rooms === 1);
  const perRoom = top ? top.mixerCpuPct / top.rooms : Number.NaN;
  // Latency at a load the mixer keeps up with (a saturated step measures queues, not the mixer).
  const sd = rows.filter((r) => r.config === SD && kept(r));
  const video = summarize(sd.flatMap((r) => r.load.videoLatencyMs));
  const added = video.p50 - directV.p50;
  console.log('\n## Against the targets\n');
  printTable(['target', 'measured', 'verdict'], [
    ['≥ 3 four-person rooms per core at 640x360@15 without dropped output frames', `${best} room(s) the most that kept every frame (steps ${args.steps.join(',')}); CPU-derived ${fmt(100 / perRoom, 1)} rooms per core (${fmt(perRoom, 1)} % per room at ${top?.rooms ?? '–'} room(s))`, best >= 3 ? 'met' : 'missed'],
    ['added latency through the mixer p50 ≤ 150 ms', `glass-to-glass p50 ${fmt(video.p50, 0)} ms through the mixer, windows that kept every frame (${fmt(added, 0)} ms over the direct path's ${fmt(directV.p50, 0)} ms)`, video.p50 <= LATENCY_TARGET_MS ? 'met' : 'missed'],
    [`no audio glitches (buffer underruns) over ${args.soakS >= 600 ? 'a 10-minute run' : `${args.soakS} s (--long: 10 minutes)`}`, `${soak.mixer.audioGlitches} glitches, ${soak.mixer.audioFramesOut} mixed frames out`, soak.mixer.audioGlitches === 0 ? 'met' : 'missed'],
  ]);
} catch (err) {
  exitCode = 1;
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await Promise.all([stopChild(load as ChildProcess, 10_000), stopChild(mixer as ChildProcess, 10_000)]);
}
process.exit(exitCode);
