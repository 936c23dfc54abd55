// The Parley server (SFU rooms, media on an ephemeral UDP port) in a process of its own, for the SFU bench:
//   ← { type: 'ready', port, pid, media: { address, port } }
//   → { type: 'gc' }                    ← { type: 'gc', mem }   (a full GC first, so RSS shows live memory; needs --expose-gc)
//   → { type: 'loop' }                  ← { type: 'loop', p99Ms, maxMs, fullGcs, minorGcs }   (event-loop delay and GCs since the last 'loop')
//   → { type: 'exit' }
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { configFromEnv, parseConfig, startServer } from '@parley/server';
import { BENCH_SECRET, countGarbageCollections } from '../signaling/common.ts';

const send = (m: object): void => {
  process.send?.(m);
};

async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Several passes with turns of the event loop between, so finalizers and weak callbacks run too.
  for (let i = 0; i < 3 && gc; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

try {
  const config = parseConfig({
    server: { host: '127.0.0.1', port: 0 },
    auth: { secret: BENCH_SECRET },
    log: { level: 'warn' },
    turn: { enabled: false },
    // PARLEY_MEDIA_HEAP_GROWING_PERCENT, read as the server's CLI reads it (docs/configuration.md): the run with it raised.
    media: { port: 0, ...(configFromEnv({ PARLEY_MEDIA_HEAP_GROWING_PERCENT: process.env.PARLEY_MEDIA_HEAP_GROWING_PERCENT }) as { media?: object }).media },
    rooms: { topology: 'sfu', maxParticipants: 1000 },
    // The load client opens every subscriber's signaling at once: rate limits far above that.
    signaling: { ratePerSecond: 100_000, rateBurst: 100_000 },
  });
  const server = await startServer({ config });
  if (!server.sfu) throw new Error('the server started without an SFU (media endpoint unavailable)');
  // Stalls of the event loop are when datagrams pile up in the socket's receive buffer: report them per window.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // Garbage collections per window: full (mark-compact) ones are what media.heapGrowingPercent is about.
  const gcs = countGarbageCollections();
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'loop') {
      send({ type: 'loop', p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, fullGcs: gcs.full, minorGcs: gcs.minor });
      loop.reset();
      gcs.full = gcs.minor = 0;
    } else if (m.type === 'gc') void fullGc().then(() => send({ type: 'gc', mem: process.memoryUsage() }));
    else if (m.type === 'exit') void server.close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  const media = server.sfu.endpoint.hostCandidate;
  send({ type: 'ready', port: server.port, pid: process.pid, media });
} catch (err) {
  send({ type: 'fatal', message: String(err instanceof Error ? (err.stack ?? err.message) : err) });
  process.exit(1);
}
