import { afterEach, describe, expect, it } from 'vitest';
import { Attr, readUint32 } from '@parley/stun';
import { startTestServer, type TestServer } from '../support/server.ts';
import { WsSignalClient } from '../support/signal-client.ts';
import { TurnTestClient, relayedOf } from './client.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(turn: Record<string, unknown>, ice: Record<string, unknown> = {}): Promise<TestServer> {
  const s = await startTestServer({ turn, ice } as Parameters<typeof startTestServer>[0]);
  cleanups.push(() => s.close());
  return s;
}

async function welcome(s: TestServer, identity: string) {
  const c = await WsSignalClient.open(s.wsUrl);
  cleanups.push(() => c.terminate());
  return c.hello({ token: await s.token('turn-room', identity) });
}

describe('parley start with the built-in TURN server', () => {
  it('hands each participant turn: URLs with fresh REST credentials that the TURN server accepts', async () => {
    const s = await server({ enabled: true, udpPort: 0, tcpPort: 0, ttlS: 600 });
    expect(s.turn).toBeDefined();
    const w = await welcome(s, 'alice');
    const ice = w.iceServers.find((i) => Array.isArray(i.urls) && i.urls.some((u) => u.startsWith('turn:')));
    expect(ice).toBeDefined();
    const urls = ice?.urls as string[];
    expect(urls).toHaveLength(2);
    expect(urls[0]).toMatch(/^turn:127\.0\.0\.1:\d+\?transport=udp$/);
    expect(urls[1]).toMatch(/^turn:127\.0\.0\.1:\d+\?transport=tcp$/);
    const [expiry, user] = (ice?.username ?? '').split(':');
    expect(user).toBe('alice');
    expect(Number(expiry)).toBeGreaterThan(Date.now() / 1000 + 500);

    const port = Number(/:(\d+)\?/.exec(urls[0] ?? '')?.[1]);
    const c = await TurnTestClient.udp({ address: '127.0.0.1', port });
    cleanups.push(() => c.close());
    const res = await c.allocate(ice?.username ?? '', ice?.credential ?? '');
    expect(res.cls).toBe('success');
    expect(readUint32(res, Attr.LIFETIME)).toBe(600);
    expect(relayedOf(res)?.address).toBe('127.0.0.1');
    const metrics = await s.metrics.registry.getSingleMetricAsString('parley_turn_allocations');
    expect(metrics).toMatch(/parley_turn_allocations 1/);
    expect(s.logs.some((l) => l.msg === 'TURN server listening')).toBe(true);
    expect(JSON.stringify(s.logs)).not.toContain(ice?.credential ?? 'x');
  });

  it('prefers an external TURN server (ice.turn) and does not start the built-in one', async () => {
    const s = await server({ enabled: true, udpPort: 0, tcpPort: 0 }, { turn: { urls: ['turn:turn.example.org:3478'], secret: 'external-secret' } });
    expect(s.turn).toBeUndefined();
    const w = await welcome(s, 'bob');
    expect(w.iceServers.map((i) => i.urls)).toEqual([['turn:turn.example.org:3478']]);
  });

  it('warns when the configured public address looks wrong', async () => {
    const s = await server({ enabled: true, udpPort: 0, tcpPort: 0, publicAddress: '10.1.2.3' });
    expect(s.turn?.advertisement.urls[0]).toMatch(/^turn:10\.1\.2\.3:/);
    const warnings = s.logs.filter((l) => l.level === 40).map((l) => String(l.msg));
    expect(warnings.some((m) => m.includes('loopback/private'))).toBe(true);
    expect(warnings.some((m) => m.includes('not on this machine'))).toBe(true);
  });
});
