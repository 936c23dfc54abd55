import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Shared by every bench process: the secret the server and the load generators mint tokens with. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789';

export type Part = 'join' | 'join-sfu' | 'relay' | 'idle';
const PARTS: readonly Part[] = ['join', 'join-sfu', 'relay', 'idle'];

export interface BenchArgs {
  only: Part[];
  quick: boolean;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  let only: Part[] = [...PARTS];
  let quick = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--only=')) {
      const parts = arg.slice('--only='.length).split(',');
      for (const p of parts) if (!PARTS.includes(p as Part)) throw new Error(`--only: unknown part "${p}" (${PARTS.join(', ')})`);
      only = parts as Part[];
    } else throw new Error(`unknown argument "${arg}" (use --only=${PARTS.join('|')} and --quick)`);
  }
  return { only, quick };
}

/** True inside the loopback-only namespace scripts/netns.mjs creates. */
export function inLoopbackNamespace(): boolean {
  const names = Object.keys(networkInterfaces());
  return process.env.PARLEY_NETNS === '1' && names.every((n) => n === 'lo');
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: sorted.length ? (sorted[0] as number) : Number.NaN,
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

/** Prints rows as an aligned Markdown table (so the output pastes into docs/benchmarks.md). */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // First column left-aligned (labels), the rest right-aligned (figures).
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/** Machine-wide CPU time from /proc/stat (all cores, in clock ticks), to see what else ran during a step. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects when `promise` takes longer than `ms`: every wait in the benches is bounded. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A realistic trickled candidate (RFC 8839 §5.1) as Chromium sends it; passes the server's check. */
export const CANDIDATE_LINE = 'candidate:842163049 1 udp 1677729535 192.0.2.45 49203 typ srflx raddr 10.0.0.5 rport 49203 generation 0 ufrag Xy3z network-cost 999';

const TASKSET = '/usr/bin/taskset';
const NICE = '/usr/bin/nice';

export interface ChildOptions {
  /** Pin the process (all its threads) to this CPU, when taskset exists. */
  cpu?: number;
  /**
   * Run it at this niceness (`nice -n`; −20 is the highest, as root): the scheduler then wakes it ahead of the
   * ordinary processes of its core. (Not SCHED_FIFO: Node's threads pinned to one core at one real-time priority
   * can spin-wait on each other for ever.)
   */
  niceness?: number;
  nodeFlags?: string[];
  args?: string[];
}

/** Starts a TypeScript bench process with an IPC channel, optionally pinned to one CPU. */
export function startChild(file: string, options: ChildOptions = {}): ChildProcess {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const node = [...(options.nodeFlags ?? []), '--import', 'tsx', path, ...(options.args ?? [])];
  const pin = options.cpu !== undefined && existsSync(TASKSET) && process.env.PARLEY_BENCH_PIN !== '0';
  let [cmd, args] = pin ? [TASKSET, ['-c', String(options.cpu), process.execPath, ...node]] : [process.execPath, node];
  if (options.niceness !== undefined && existsSync(NICE)) [cmd, args] = [NICE, ['-n', String(options.niceness), cmd, ...args]];
  return spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Sends a request over IPC and resolves with the first reply of the given type. */
export function ask<T>(child: ChildProcess, message: { type: string } & Record<string, unknown>, replyType: string, timeoutMs: number): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve, reject) => {
      const done = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`child exited (${code}) before replying "${replyType}"`));
      };
      const onMessage = (m: unknown) => {
        const msg = m as { type?: string; message?: string };
        if (msg.type === 'fatal') {
          done();
          reject(new Error(msg.message ?? 'child failed'));
        } else if (msg.type === replyType) {
          done();
          resolve(m as T);
        }
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      if (message.type !== '') child.send(message);
    }),
    timeoutMs,
    `reply "${replyType}"`,
  );
}

/** Waits for one message of a type without sending anything. */
export function waitForMessage<T>(child: ChildProcess, replyType: string, timeoutMs: number): Promise<T> {
  return ask<T>(child, { type: '' }, replyType, timeoutMs);
}

/** Ends a child: politely over IPC, then SIGKILL after a grace period. Only this child, by its pid. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send({ type: 'exit' });
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Counts this process's garbage collections from now on, full (mark-compact) and minor; reset the counts at will. */
export function countGarbageCollections(): { full: number; minor: number } {
  const counts = { full: 0, minor: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.full++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor++;
    }
  }).observe({ entryTypes: ['gc'] });
  return counts;
}
