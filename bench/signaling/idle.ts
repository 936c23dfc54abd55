// Memory per idle WebSocket session: the server alone in a process (--expose-gc), the sessions
// opened from another (file descriptors are limited per process).
import type { ChildProcess } from 'node:child_process';
import { ask, fmt, printTable, sleep, startChild, stopChild, waitForMessage } from './common.ts';

interface GcReply {
  mem: NodeJS.MemoryUsage;
  sessions: number;
}

export interface IdleResult {
  sessions: number;
  rssKiBPerSession: number;
  heapKiBPerSession: number;
  externalKiBPerSession: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  openMs: number;
}

export interface IdleOptions {
  quick: boolean;
  /** Extra node flags for the server process (e.g. --heapsnapshot-signal for investigations). */
  serverFlags?: string[];
}

const KiB = 1024;
const MiB = 1024 * 1024;

export async function runIdle({ quick, serverFlags = [] }: IdleOptions): Promise<IdleResult> {
  const sessions = quick ? 1000 : 10_000;
  const warmup = 100;
  const roomSize = 4;
  const batch = 200;
  console.log(`\n## idle: ${sessions} WebSocket sessions in rooms of ${roomSize} (after ${warmup} warm-up sessions), opened ${batch} at a time`);
  console.log('server on CPU 0 with --expose-gc; figures after a full GC, all notifications acknowledged\n');

  const children: ChildProcess[] = [];
  try {
    const server = startChild('./server-child.ts', { cpu: 0, nodeFlags: ['--expose-gc', ...serverFlags], args: [JSON.stringify({ rooms: { maxRooms: 20_000 } })] });
    children.push(server);
    const { port } = await waitForMessage<{ port: number }>(server, 'ready', 20_000);
    const client = startChild('./idle-client.ts', { cpu: 1, args: [JSON.stringify({ url: `ws://127.0.0.1:${port}`, roomSize, batch })] });
    children.push(client);
    await waitForMessage(client, 'ready', 20_000);

    // Warm-up: the first sessions pay for lazily compiled code and lazily created module state.
    await ask(client, { type: 'open', count: warmup, prefix: 'warm' }, 'opened', 60_000);
    await sleep(1500); // SDK-style acks go out within 500 ms
    const before = await ask<GcReply>(server, { type: 'gc' }, 'gc', 30_000);

    const opened = await ask<{ total: number; ms: number }>(client, { type: 'open', count: sessions, prefix: 'idle' }, 'opened', 300_000);
    await sleep(3000); // let acks land and timers settle: idle means nothing in flight
    const after = await ask<GcReply>(server, { type: 'gc' }, 'gc', 30_000);
    if (after.sessions !== warmup + sessions) throw new Error(`server holds ${after.sessions} sessions, expected ${warmup + sessions}`);

    const per = (a: number, b: number) => (b - a) / sessions / KiB;
    const result: IdleResult = {
      sessions,
      rssKiBPerSession: per(before.mem.rss, after.mem.rss),
      heapKiBPerSession: per(before.mem.heapUsed, after.mem.heapUsed),
      externalKiBPerSession: per(before.mem.external, after.mem.external),
      before: before.mem,
      after: after.mem,
      openMs: opened.ms,
    };
    console.log(`opened ${sessions} sessions in ${fmt(opened.ms / 1000, 1)} s (${fmt(sessions / (opened.ms / 1000), 0)} joins/s)`);
    printTable(
      ['', 'before', 'after', 'delta', 'per session'],
      (['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const).map((k) => [
        k,
        `${fmt(before.mem[k] / MiB, 1)} MiB`,
        `${fmt(after.mem[k] / MiB, 1)} MiB`,
        `${fmt((after.mem[k] - before.mem[k]) / MiB, 1)} MiB`,
        `${fmt(per(before.mem[k], after.mem[k]), 2)} KiB`,
      ]),
    );
    console.log(`\nRSS per idle session: ${fmt(result.rssKiBPerSession, 2)} KiB; heapUsed per session: ${fmt(result.heapKiBPerSession, 2)} KiB (target ≤ 20 KiB RSS)`);
    return result;
  } finally {
    for (const c of children.reverse()) await stopChild(c, 10_000);
  }
}
