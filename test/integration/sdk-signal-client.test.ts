import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { SignalClient, ParleyError } from '@parley/client';
import type { Notification } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';

/** A WebSocket that can never connect, as behind a proxy that refuses upgrades. */
class RefusedWebSocket extends EventTarget {
  readyState = 3;
  onopen: (() => void) | null = null;
  onmessage: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor() {
    super();
    setTimeout(() => this.onclose?.({ code: 1006, reason: '' }), 5);
  }
  send(): void {}
  close(): void {}
}

const until = async (check: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SignalClient (SDK) against a real server', () => {
  let server: TestServer;
  const clients: SignalClient[] = [];
  const client = (token: string, extra: Partial<ConstructorParameters<typeof SignalClient>[0]> = {}) => {
    const c = new SignalClient({ url: server.httpUrl, token, WebSocket: NodeWebSocket as unknown as typeof WebSocket, keepaliveMs: 0, connectTimeoutMs: 2000, ...extra });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startTestServer({ signaling: { resumeGraceMs: 400 } });
  });
  afterAll(async () => {
    for (const c of clients) await c.leave().catch(() => undefined);
    await server.close();
  });

  it('connects over WebSocket first', async () => {
    const c = client(await server.token('r1', 'a'));
    const welcome = await c.connect();
    expect(c.transportKind).toBe('websocket');
    expect(welcome.room.id).toBe('r1');
  });

  it('falls back to long-polling when WebSocket cannot connect (no EventSource here)', async () => {
    const c = client(await server.token('r2', 'a'), { WebSocket: RefusedWebSocket as unknown as typeof WebSocket, transports: ['websocket', 'longpoll'] });
    await c.connect();
    expect(c.transportKind).toBe('longpoll');
    const other = client(await server.token('r2', 'b'));
    await other.connect();
    const got: Notification[] = [];
    c.on('notification', (n) => got.push(n));
    other.send({ type: 'offer', to: c.welcome!.participantId, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' });
    await until(() => got.some((n) => n.type === 'offer'), 'the offer over long-poll');
  });

  it('when the event stream fails after the HTTP hello, long-poll resumes that session instead of joining twice', async () => {
    class FailingEventSource {
      onopen: (() => void) | null = null;
      onmessage: (() => void) | null = null;
      onerror: (() => void) | null = null;
      constructor() {
        setTimeout(() => this.onerror?.(), 5);
      }
      addEventListener(): void {}
      close(): void {}
    }
    const watcher = client(await server.token('r7', 'w'));
    await watcher.connect();
    const seen: string[] = [];
    watcher.on('notification', (n) => seen.push(n.type));
    const c = client(await server.token('r7', 'c'), { EventSource: FailingEventSource as unknown as typeof EventSource, transports: ['sse', 'longpoll'] });
    const welcome = await c.connect();
    expect(c.transportKind).toBe('longpoll');
    expect(welcome.resumed).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(['participantJoined']); // one join, no "replaced", no second join
    expect(server.signaling.getRoom('r7')?.size).toBe(2);
  });

  it('does not try other transports when the server refuses the token', async () => {
    const c = client('not-a-token');
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('TOKEN_INVALID');
    expect(c.state).toBe('closed');
  });

  it('resumes after a dropped transport and delivers each missed notification once, in order', async () => {
    const a = client(await server.token('r3', 'a'));
    const b = client(await server.token('r3', 'b'));
    await a.connect();
    await b.connect();
    const seen: Notification[] = [];
    a.on('notification', (n) => seen.push(n));
    a.dropTransport();
    for (let i = 0; i < 5; i++) b.send({ type: 'candidate', to: a.welcome!.participantId, candidate: { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
    await until(() => seen.filter((n) => n.type === 'candidate').length === 5, 'five candidates after resume');
    expect(a.stats.resumes).toBe(1);
    expect(seen.map((n) => (n.type === 'candidate' ? n.candidate?.candidate.split(' ')[0] : n.type))).toEqual(['candidate:0', 'candidate:1', 'candidate:2', 'candidate:3', 'candidate:4']);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBe(seen[i - 1]!.seq + 1);
  });

  it('rejoins as a new participant when the session expired during the outage', async () => {
    const a = client(await server.token('r4', 'a'), {
      // Wait out the server's 400 ms grace period before the first retry.
      reconnectPolicy: { nextRetryDelayMs: ({ attempt }) => (attempt === 0 ? 800 : attempt < 5 ? 100 : undefined) },
    });
    const b = client(await server.token('r4', 'b'));
    await a.connect();
    await b.connect();
    const oldId = a.welcome!.participantId;
    const left: string[] = [];
    b.on('notification', (n) => n.type === 'participantLeft' && left.push(`${n.participantId}:${n.reason}`));
    a.dropTransport();
    await until(() => a.stats.rejoins === 1, 'a rejoin', 5000);
    expect(left).toContain(`${oldId}:timeout`);
    expect(a.welcome!.participantId).not.toBe(oldId);
    expect(a.welcome!.resumed).toBe(false);
  });

  it('leave() tells the others and ends the session without reconnecting', async () => {
    const a = client(await server.token('r5', 'a'));
    const b = client(await server.token('r5', 'b'));
    await a.connect();
    await b.connect();
    const reasons: string[] = [];
    b.on('notification', (n) => n.type === 'participantLeft' && reasons.push(n.reason));
    await a.leave();
    expect(a.state).toBe('closed');
    await until(() => reasons.length === 1, 'participantLeft');
    expect(reasons).toEqual(['left']);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.signaling.getSession(a.welcome!.sessionId)).toBeUndefined();
  });

  it('request() rejects with the server\'s error code', async () => {
    const a = client(await server.token('r6', 'a'));
    await a.connect();
    const err = await a.request({ type: 'offer', to: 'nobody', sdp: 'v=0\r\n' }).catch((e: unknown) => e);
    expect((err as ParleyError).code).toBe('UNKNOWN_PARTICIPANT');
  });
});
