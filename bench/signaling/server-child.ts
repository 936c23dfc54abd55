// The Parley server in a process of its own, driven over IPC by the bench orchestrators:
//   → { type: 'usage' }   ← { type: 'usage', cpu, mem, sessions, rooms, at, loopMaxMs (longest event-loop stall since the last usage) }
//   → { type: 'gc' }      ← { type: 'gc', mem }             (needs --expose-gc)
//   → { type: 'exit' }    the process closes the server and exits
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseConfig, startServer, type ConfigInput } from '@parley/server';
import { BENCH_SECRET } from './common.ts';

const overrides = JSON.parse(process.argv[2] ?? '{}') as ConfigInput;
const config = parseConfig({
  ...overrides,
  server: { host: '127.0.0.1', port: 0 },
  auth: { secret: BENCH_SECRET },
  log: { level: 'warn' },
});

const send = (m: object): void => {
  process.send?.(m);
};

async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('server-child needs --expose-gc for a gc request');
  // Twice, with turns of the event loop between, so finalizers and weak callbacks run too.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

// Event-loop stalls (GC, other tenants of the CPU) show up as latency outliers: report them.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

try {
  const server = await startServer({ config });
  process.on('message', (m: { type?: string }) => {
    switch (m.type) {
      case 'usage':
        send({
          type: 'usage', at: performance.now(), cpu: process.cpuUsage(), mem: process.memoryUsage(),
          sessions: server.signaling.sessionCount, rooms: server.signaling.roomCount, loopMaxMs: loop.max / 1e6,
        });
        loop.reset();
        return;
      case 'gc':
        fullGc().then(
          () => send({ type: 'gc', mem: process.memoryUsage(), sessions: server.signaling.sessionCount }),
          (err: unknown) => send({ type: 'fatal', message: String(err) }),
        );
        return;
      case 'exit':
        void server.close().finally(() => process.exit(0));
        return;
      default:
        return;
    }
  });
  // Never outlive the orchestrator.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: server.port, pid: process.pid });
} catch (err) {
  send({ type: 'fatal', message: String(err) });
  process.exit(1);
}
