// Entry point: `npm run bench:sfu [-- --only=parley,janus] [--quick] [--long] …` (see args.ts), run inside a fresh
// network namespace by scripts/netns.mjs. The same load client drives Parley's SFU and Janus VideoRoom in one run
// and prints every figure, then the comparison table with ratios.
import { cpus, networkInterfaces } from 'node:os';
import { fmt, machineCpu, sleep } from '../signaling/common.ts';
import { USAGE, parseSfuArgs } from './args.ts';
import { DEFAULT_SHAPE } from './media-source.ts';
import { printComparison, printSteps } from './report.ts';
import { runTarget, type TargetResult } from './scenario.ts';

let args;
try {
  args = parseSfuArgs(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
// Janus needs a non-loopback interface, which the bench adds itself: only in a namespace that had nothing but lo.
if (process.env.PARLEY_NETNS !== '1' || !Object.keys(networkInterfaces()).every((n) => n === 'lo')) {
  console.error(`refusing to run: the SFU bench adds interfaces and runs media servers; run it in its own namespace (npm run bench:sfu).\n${USAGE}`);
  process.exit(2);
}

// Hard ceiling on the whole run: every part stops by itself well before this.
const ceiling = setTimeout(() => {
  console.error('bench: overall time limit reached; aborting');
  process.exit(3);
}, 15 * 60_000);
ceiling.unref();

const cpu = cpus();
const shape = { ...DEFAULT_SHAPE, packetsPerFrame: args.packetsPerFrame, aligned: args.aligned };
const inPerS = args.publishers * (50 + shape.fps * shape.packetsPerFrame);
console.log(`# Parley SFU vs Janus VideoRoom — ${new Date().toISOString()}`);
console.log(`node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}; SRTP ${args.profiles.join(',')}`);
console.log(
  `${args.publishers} publishers × (Opus 50 pkt/s + VP8 ${shape.fps} fps × ${shape.packetsPerFrame} pkt × ${shape.videoBytes} B), ` +
    `${args.subscribers} subscribers in ${args.processes} processes, each subscribed to every track: ` +
    `${inPerS} pkt/s in, ${inPerS * args.subscribers} pkt/s to forward; windows of ${args.windowS} s, step-up ${args.steps.join('/') || 'none'} pkt/frame × ${args.stepS} s; ` +
    (args.aligned ? 'all publishers send at the same instants (--aligned)' : "each publisher's clocks at their own phase"),
);
console.log('server pinned to CPU 0, load processes to CPU 1 (taskset); CPU from /proc/<pid>/stat (all threads); delay = publisher send → subscriber receive on one monotonic clock');

/** CPU the rest of the machine uses while we do nothing (% of one core): the figures are only as quiet as the machine. */
async function backgroundLoad(): Promise<number> {
  const a = machineCpu();
  await sleep(1000);
  const b = machineCpu();
  return a && b ? ((b.busy - a.busy) / (b.total - a.total)) * cpu.length * 100 : Number.NaN;
}
const QUIET_PCT = 25;
const QUIET_WAIT_S = 60;

const results: TargetResult[] = [];
let failed = false;
for (const target of args.only) {
  console.log(`\n## ${target}`);
  try {
    // Wait (bounded) for a quiet moment: on a 2-core machine anything else running shows up in loss and tails.
    let load = await backgroundLoad();
    for (let waited = 1; load > QUIET_PCT && waited < QUIET_WAIT_S; waited++) load = await backgroundLoad();
    console.log(`(background load before the run: ${fmt(load, 0)}% of one core${load > QUIET_PCT ? ' — NOT quiet, expect loss and noisy tails' : ''})`);
    const r = await runTarget(target, {
      publishers: args.publishers, subscribers: args.subscribers, processes: args.processes, shape, windowS: args.windowS, steps: args.steps, stepS: args.stepS, profiles: args.profiles,
    });
    results.push(r);
    const missing = r.joins.filter((j) => j.firstPacketMs < 0).length;
    console.log(`${r.joins.length} subscribers joined${missing ? ` (${missing} without any packet yet)` : ''}${r.joinRetries ? `, ${r.joinRetries} on a second attempt (DTLS handshake stalled)` : ''}; server RSS ${fmt(r.serverRssMiB, 0)} MiB, +${fmt(r.memoryPerConsumerKiB, 1)} KiB RSS per consumer${Number.isFinite(r.heapPerConsumerKiB) ? ` (V8 heap + external after GC: +${fmt(r.heapPerConsumerKiB, 1)} KiB)` : ''}\n`);
    printSteps(r);
    if (r.base.srtpFailures || r.base.duplicates) console.log(`(base window: ${r.base.srtpFailures} SRTP failures, ${r.base.duplicates} duplicates/reordered)`);
  } catch (err) {
    failed = true;
    console.error(`bench ${target} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
if (results.length > 0) {
  console.log('\n## Comparison\n');
  printComparison(results);
}
process.exit(failed ? 1 : 0);
