/** Prints the SFU bench's tables (Markdown, to paste into docs/benchmarks.md). */
import { fmt, printTable, summarize } from '../signaling/common.ts';
import { ratio, type WindowFigures } from './figures.ts';
import type { TargetResult } from './scenario.ts';

/** The highest forwarded rate of a window with zero loss (base or step), and what stopped the step-up. */
export function bestZeroLoss(r: TargetResult): { perS: number; ppf: number | undefined; limit: string } {
  let best = r.base.lost === 0 ? r.base.forwardedPerS : Number.NaN;
  let ppf: number | undefined;
  let limit = 'steps exhausted';
  for (const s of r.steps) {
    if (s.lost === 0 && !(s.forwardedPerS <= best)) {
      best = s.forwardedPerS;
      ppf = s.packetsPerFrame;
    }
    if (s.lost > 0) limit = `loss at ${s.packetsPerFrame} pkt/frame`;
    else if (s.serverCpuPct > 97) limit = 'server core saturated';
    else if (s.clientCpuPct > 97) limit = 'load generator core saturated';
  }
  return { perS: best, ppf, limit };
}

/**
 * CPU per forwarded packet without the fixed costs (timers, feedback, receiving the publishers' packets): the slope
 * between the base window and the highest zero-loss step, (CPU₂ − CPU₁) / (forwarded₂ − forwarded₁).
 */
export function marginalCpuPerPacketUs(r: TargetResult): number {
  const top = [...r.steps].reverse().find((s) => s.lost === 0);
  if (!top || r.base.lost > 0) return Number.NaN;
  const cpuPerS = (f: WindowFigures) => (f.serverCpuPct / 100) * 1e6; // µs of CPU per second
  const d = top.forwardedPerS - r.base.forwardedPerS;
  return d > 0 ? (cpuPerS(top) - cpuPerS(r.base)) / d : Number.NaN;
}

function joinFigures(r: TargetResult): { first: number; firstMax: number; video: number; connected: number } {
  const first = summarize(r.joins.map((j) => j.firstPacketMs).filter((v) => v >= 0));
  const video = summarize(r.joins.map((j) => j.firstVideoMs).filter((v) => v >= 0));
  const connected = summarize(r.joins.map((j) => j.connectedMs).filter((v) => v >= 0));
  return { first: first.p50, firstMax: first.max, video: video.p50, connected: connected.p50 };
}

export function printSteps(r: TargetResult): void {
  const row = (label: string, f: WindowFigures): string[] => [
    label, fmt(f.forwardedPerS, 0), `${f.forwarded}/${f.expected}`, fmt(f.lossPct, 3), f.subscribersWithLoss ? `${f.subscribersWithLoss} (${f.worstSubscriberLost})` : '0', fmt(f.serverCpuPct, 0), fmt(f.cpuPerPacketUs, 2),
    String(f.lostByAll), `${fmt(f.serverSocketDrops, 0)}/${fmt(f.clientSocketDrops, 0)}`, fmt(f.clientCpuPct, 0), fmt(f.otherCpuPct, 0), fmt(f.delayP50Ms, 2), fmt(f.delayP99Ms, 2), fmt(f.delayMaxMs, 1),
  ];
  printTable(
    ['window', 'forwarded pkt/s', 'delivered', 'loss %', 'subs with loss (worst)', 'server CPU %', 'µs CPU/pkt', 'lost by all', 'UDP drops srv/cli', 'load gen CPU %', 'other CPU %', 'delay p50 ms', 'p99 ms', 'max ms'],
    [row('base', r.base), ...r.steps.map((s) => row(`${s.packetsPerFrame} pkt/frame`, s))],
  );
}

export function printComparison(results: readonly TargetResult[]): void {
  const p = results.find((r) => r.target === 'parley');
  const j = results.find((r) => r.target === 'janus');
  const val = (r: TargetResult | undefined, f: (r: TargetResult) => number): number => (r ? f(r) : Number.NaN);
  const rows: Array<[string, (r: TargetResult) => number, number]> = [
    ['server CPU per forwarded packet, µs (base load)', (r) => r.base.cpuPerPacketUs, 2],
    ['forwarded packets/s one core sustains at that cost', (r) => r.base.capacityPerCore, 0],
    ['marginal server CPU per forwarded packet, µs (base → best step)', marginalCpuPerPacketUs, 2],
    ['highest forwarded packets/s measured at zero loss', (r) => bestZeroLoss(r).perS, 0],
    ['server CPU % at base load', (r) => r.base.serverCpuPct, 1],
    ['loss at base load, %', (r) => r.base.lossPct, 3],
    ['one-way delay p50, ms (base)', (r) => r.base.delayP50Ms, 2],
    ['one-way delay p99, ms (base)', (r) => r.base.delayP99Ms, 2],
    ['one-way delay p50 to the priority subscriber (nice −20), ms (base)', (r) => r.base.probe?.p50Ms ?? Number.NaN, 2],
    ['one-way delay p99 to the priority subscriber, ms (base)', (r) => r.base.probe?.p99Ms ?? Number.NaN, 2],
    ['forwarding latency p50, ms (kernel timestamps on lo: publisher send → server send, base)', (r) => r.residence?.p50Ms ?? Number.NaN, 2],
    ['forwarding latency p99, ms (kernel timestamps, base)', (r) => r.residence?.p99Ms ?? Number.NaN, 2],
    ['memory per consumer, KiB (RSS growth)', (r) => r.memoryPerConsumerKiB, 1],
    ['join → first packet p50, ms', (r) => joinFigures(r).first, 1],
    ['join → first packet max, ms', (r) => joinFigures(r).firstMax, 1],
    ['join → first video packet p50, ms', (r) => joinFigures(r).video, 1],
    ['join → SRTP keys p50, ms', (r) => joinFigures(r).connected, 1],
  ];
  printTable(
    ['metric', 'Parley', 'Janus', 'Parley / Janus'],
    rows.map(([label, f, digits]) => {
      const a = val(p, f);
      const b = val(j, f);
      return [label, fmt(a, digits), fmt(b, digits), fmt(ratio(a, b), 2)];
    }),
  );
  for (const r of results) {
    const z = bestZeroLoss(r);
    console.log(`${r.target}: step-up stopped by: ${z.limit}${z.ppf ? ` (best zero-loss step: ${z.ppf} pkt/frame)` : ''}`);
  }
  if (p) {
    const checks: Array<[string, boolean | undefined]> = [
      ['CPU per forwarded packet ≤ Janus', j ? p.base.cpuPerPacketUs <= j.base.cpuPerPacketUs : undefined],
      ['≥ 40,000 forwarded packets/s per core (1e6 / µs per packet)', p.base.capacityPerCore >= 40_000],
      ['≥ 40,000 forwarded packets/s measured at zero loss', bestZeroLoss(p).perS >= 40_000],
      ['added forwarding latency p99 ≤ 2 ms on loopback (kernel timestamps)', p.residence ? p.residence.p99Ms <= 2 : undefined],
      ['one-way delay p99 ≤ 2 ms on loopback (to the priority subscriber, load clients included)', p.base.probe ? p.base.probe.p99Ms <= 2 : undefined],
    ];
    console.log('\nParley against the targets:');
    for (const [label, ok] of checks) console.log(`- ${label}: ${ok === undefined ? 'not measured' : ok ? 'yes' : 'NO'}`);
  }
}
