// Load generator for the relay bench, in its own process (see relay.ts). Opens N sessions in rooms,
// then, per step, sends `candidate` messages to roommates at a paced rate and timestamps arrivals.
//   → { type: 'step', rate, durationMs, warmupMs }  ← { type: 'step', ...RelayStepResult }
//   → { type: 'exit' }
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerMessage } from '@parley/protocol';
import { TokenService } from '@parley/server';
import { BENCH_SECRET, CANDIDATE_LINE, summarize, type Summary } from './common.ts';
import { BenchClient, connectAll } from './ws-client.ts';

export interface RelayClientOptions {
  url: string;
  clients: number;
  roomSize: number;
}

export interface RelayStepResult {
  offered: number;
  /** Messages sent in the measured window. */
  sent: number;
  /** Of those, how many arrived (after a drain of up to 2 s). */
  received: number;
  /** Arrivals per second inside the measured window. */
  achieved: number;
  latencyMs: Summary;
  errors: number;
  /** CPU time the generator used over the step, as % of one core. */
  loadgenCpu: number;
  /** Longest event-loop stall of the generator during the step. */
  loadgenLoopMaxMs: number;
  /** Measured-window seconds in which some message took longer than 50 ms (where outliers sit in time). */
  slowSeconds: number[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as RelayClientOptions;
const send = (m: object): void => {
  process.send?.(m);
};

// ---- recording (module state of this one-purpose process) --------------------------------------
let recording = false;
let windowStart = 0;
let windowEnd = Number.POSITIVE_INFINITY;
let latencies = new Float64Array(0);
let count = 0;
let arrivedInWindow = 0;
let errors = 0;
let slow = new Set<number>();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

function onMessage(message: ServerMessage): void {
  if (message.type === 'candidate') {
    if (!recording) return;
    const now = performance.now();
    const sentAt = Number(message.candidate?.usernameFragment);
    if (sentAt < windowStart || sentAt > windowEnd) return;
    const latency = now - sentAt;
    if (count < latencies.length) latencies[count++] = latency;
    if (latency > 50) slow.add(Math.floor((sentAt - windowStart) / 1000));
    if (now <= windowEnd) arrivedInWindow++;
  } else if (message.type === 'error' || (message.type === 'response' && !message.ok)) errors++;
}

const tokens = new TokenService(BENCH_SECRET);
const clients: BenchClient[] = [];
for (let i = 0; i < options.clients; i++) {
  const room = `relay-${Math.floor(i / options.roomSize)}`;
  const { token } = await tokens.mint({ room, identity: `c${i}`, ttlS: 3600 });
  clients.push(new BenchClient({ url: options.url, token, onMessage }));
}
await connectAll(clients, 100);

/** For each client, the frame prefixes of a candidate to each roommate; the send time is appended. */
const prefixes: string[][] = clients.map((c, i) => {
  const base = i - (i % options.roomSize);
  const mates = clients.slice(base, base + options.roomSize).filter((m) => m !== c);
  return mates.map(
    (m) =>
      `{"type":"candidate","to":"${m.participantId}","candidate":{"candidate":${JSON.stringify(CANDIDATE_LINE)},"sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"`,
  );
});
const SUFFIX = '"}}';

async function step(rate: number, durationMs: number, warmupMs: number): Promise<RelayStepResult> {
  const capacity = Math.ceil((rate * durationMs) / 1000) + 1000;
  latencies = new Float64Array(capacity);
  count = 0;
  arrivedInWindow = 0;
  errors = 0;
  slow = new Set();
  loop.reset();
  const t0 = performance.now();
  windowStart = t0 + warmupMs;
  windowEnd = t0 + durationMs;
  recording = true;
  const cpu0 = process.cpuUsage();
  let sent = 0;
  let sentInWindow = 0;
  const n = clients.length;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(Math.floor((rate * (now - t0)) / 1000), Math.floor((rate * durationMs) / 1000));
      while (sent < due) {
        const k = sent++;
        const i = k % n;
        const mates = prefixes[i] as string[];
        const at = performance.now();
        (clients[i] as BenchClient).send(`${mates[Math.floor(k / n) % mates.length]}${at.toFixed(3)}${SUFFIX}`);
        if (at >= windowStart && at <= windowEnd) sentInWindow++;
      }
      if (now - t0 >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  // Drain: wait (bounded) for everything sent in the window to arrive.
  const drainUntil = performance.now() + 2000;
  while (count < sentInWindow && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  recording = false;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const windowS = (windowEnd - windowStart) / 1000;
  return {
    offered: rate,
    sent: sentInWindow,
    received: count,
    achieved: arrivedInWindow / windowS,
    latencyMs: summarize(latencies.subarray(0, count)),
    errors,
    loadgenCpu: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    loadgenLoopMaxMs: loop.max / 1e6,
    slowSeconds: [...slow].sort((a, b) => a - b),
  };
}

process.on('message', (m: { type?: string; rate?: number; durationMs?: number; warmupMs?: number }) => {
  if (m.type === 'step') {
    step(m.rate ?? 1000, m.durationMs ?? 5000, m.warmupMs ?? 1000).then(
      (r) => send({ type: 'step', ...r }),
      (err: unknown) => send({ type: 'fatal', message: String(err) }),
    );
  } else if (m.type === 'exit') {
    for (const c of clients) c.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', sessions: clients.length });
