// Opens idle signaling sessions for the idle bench (see idle.ts), in a process of its own so the
// server's file descriptors and memory are its alone.
//   → { type: 'open', count, prefix }  ← { type: 'opened', total, ms }
//   → { type: 'exit' }
import { TokenService } from '@parley/server';
import { BENCH_SECRET } from './common.ts';
import { BenchClient, connectAll } from './ws-client.ts';

const { url, roomSize, batch } = JSON.parse(process.argv[2] ?? '{}') as { url: string; roomSize: number; batch: number };
const tokens = new TokenService(BENCH_SECRET);
const clients: BenchClient[] = [];
const send = (m: object): void => {
  process.send?.(m);
};

async function open(count: number, prefix: string): Promise<void> {
  const t0 = performance.now();
  // A BenchClient connects as soon as it exists: create and welcome `batch` at a time.
  for (let first = 0; first < count; first += batch) {
    const group: BenchClient[] = [];
    for (let i = first; i < Math.min(count, first + batch); i++) {
      const { token } = await tokens.mint({ room: `${prefix}-${Math.floor(i / roomSize)}`, identity: `${prefix}${i}`, name: `Guest ${i}`, ttlS: 3600 });
      group.push(new BenchClient({ url, token }));
    }
    await connectAll(group, batch, 30_000);
    clients.push(...group);
  }
  send({ type: 'opened', total: clients.length, ms: performance.now() - t0 });
}

process.on('message', (m: { type?: string; count?: number; prefix?: string }) => {
  if (m.type === 'open') {
    open(m.count ?? 0, m.prefix ?? 's').catch((err: unknown) => send({ type: 'fatal', message: String(err) }));
  } else if (m.type === 'exit') {
    for (const c of clients) c.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
