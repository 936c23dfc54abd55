import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { SignalClient, type ParleyError } from '@parley/client';
import type { Notification } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';

const API_KEY = 'operator-api-key-0123456789';

describe('removing a participant (DELETE /api/rooms/:id/participants/:pid)', () => {
  let server: TestServer;
  const clients: SignalClient[] = [];
  const client = async (room: string, identity: string) => {
    const c = new SignalClient({ url: server.httpUrl, token: await server.token(room, identity), WebSocket: NodeWebSocket as unknown as typeof WebSocket, keepaliveMs: 0 });
    clients.push(c);
    await c.connect();
    return c;
  };
  const kick = (room: string, id: string, key?: string) =>
    fetch(`${server.httpUrl}/api/rooms/${room}/participants/${id}`, { method: 'DELETE', headers: key ? { authorization: `Bearer ${key}` } : {} });

  beforeAll(async () => {
    server = await startTestServer({ auth: { apiKey: API_KEY } });
  });
  afterAll(async () => {
    for (const c of clients) await c.leave().catch(() => undefined);
    await server.close();
  });

  it('needs the API key', async () => {
    const a = await client('k1', 'a');
    const res = await kick('k1', a.welcome!.participantId, 'wrong-key-wrong-key');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(a.state).toBe('connected');
  });

  it('ends the session with KICKED (no reconnect) and tells the others the participant was kicked', async () => {
    const a = await client('k2', 'a');
    const b = await client('k2', 'b');
    const seen: Notification[] = [];
    b.on('notification', (n) => seen.push(n));
    const closed = new Promise<ParleyError | undefined>((r) => a.once('closed', r));
    const res = await kick('k2', a.welcome!.participantId, API_KEY);
    expect(res.status).toBe(204);
    expect((await closed)?.code).toBe('KICKED');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.state).toBe('closed'); // it did not resume or rejoin by itself
    expect(server.signaling.getRoom('k2')?.size).toBe(1);
    expect(seen.find((n) => n.type === 'participantLeft')).toMatchObject({ participantId: a.welcome!.participantId, reason: 'kicked' });
  });

  it('answers UNKNOWN_PARTICIPANT (404) for someone who is not there', async () => {
    const res = await kick('k3', 'nobody', API_KEY);
    expect(res.status).toBe(404);
  });

  it('is off when no API key is configured', async () => {
    const open = await startTestServer();
    try {
      const res = await fetch(`${open.httpUrl}/api/rooms/x/participants/y`, { method: 'DELETE' });
      expect(res.status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
