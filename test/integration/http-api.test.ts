import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RoomInfo, TokenResponse } from '@parley/protocol';
import { TEST_SECRET, startTestServer, type TestServer } from '../support/server.ts';
import { WsSignalClient, httpHello, httpSend, pollUntil } from '../support/signal-client.ts';
import { joinWs, sdp, uniqueRoom } from '../support/fixtures.ts';

let server: TestServer;
const clients: WsSignalClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
});
afterAll(() => server.close());

async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.httpUrl}${path}`, { ...init, ...(init.json !== undefined ? { body: JSON.stringify(init.json), method: init.method ?? 'POST' } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('rooms API', () => {
  it('POST /api/rooms creates a room: 201 with its RoomInfo', async () => {
    const r = await api('/api/rooms', { json: { id: 'standup', maxParticipants: 4 } });
    expect(r.status).toBe(201);
    expect(RoomInfo.parse(r.body)).toMatchObject({ id: 'standup', topology: 'mesh', maxParticipants: 4, participants: 0 });
  });

  it('POST /api/rooms with no body picks an id', async () => {
    const r = await api('/api/rooms', { method: 'POST' });
    expect(r.status).toBe(201);
    expect(RoomInfo.parse(r.body).id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('GET /api/rooms/:id returns the room with its participant count, 404 ROOM_NOT_FOUND otherwise', async () => {
    const room = uniqueRoom();
    clients.push(await joinWs(server, room, 'alice'));
    expect(await api(`/api/rooms/${room}`)).toMatchObject({ status: 200, body: { id: room, participants: 1 } });
    expect(await api('/api/rooms/does-not-exist')).toMatchObject({ status: 404, body: { type: 'error', error: { code: 'ROOM_NOT_FOUND' } } });
  });

  it('rejects a body that is not JSON with 400 MALFORMED_JSON', async () => {
    expect(await api('/api/rooms', { method: 'POST', body: '{"id":' })).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
  });

  it('rejects a bad room id with 400', async () => {
    expect(await api('/api/rooms', { json: { id: 'no spaces allowed' } })).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect(await api('/api/rooms/bad%20id')).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect(await api(`/api/rooms/${'x'.repeat(65)}`)).toMatchObject({ status: 400 });
  });

  it('answers an unknown /api route with 404 NOT_FOUND', async () => {
    expect(await api('/api/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api('/api/rooms/x', { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('POST /api/rooms/:id/tokens mints a token for a server-chosen identity that joins the room', async () => {
    const room = uniqueRoom();
    const r = await api(`/api/rooms/${room}/tokens`, { json: { name: 'Dana' } });
    expect(r.status).toBe(200);
    const t = TokenResponse.parse(r.body);
    expect(t.identity).toMatch(/^guest-/);
    const c = await WsSignalClient.join(server.wsUrl, { token: t.token });
    clients.push(c);
    expect(c.welcome?.room.participants[0]).toMatchObject({ identity: t.identity, name: 'Dana' });
  });

  it('refuses a token request that tries to choose its identity', async () => {
    expect(await api(`/api/rooms/${uniqueRoom()}/tokens`, { json: { name: 'Eve', identity: 'alice' } })).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it('with auth.apiKey, POST /api/rooms needs the key as Bearer (403 FORBIDDEN)', async () => {
    const keyed = await startTestServer({ auth: { apiKey: 'api-key-0123456789abcdef' } });
    try {
      const url = `${keyed.httpUrl}/api/rooms`;
      expect((await fetch(url, { method: 'POST' })).status).toBe(403);
      expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong-key-0123456789abc' } })).status).toBe(403);
      expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer api-key-0123456789abcdef' } })).status).toBe(201);
    } finally {
      await keyed.close();
    }
  });
});

describe('GET /metrics', () => {
  it('reports sessions, rooms, relayed messages and errors by code', async () => {
    const m = await startTestServer();
    try {
      const room = uniqueRoom();
      const a = await joinWs(m, room, 'alice');
      const b = await joinWs(m, room, 'bob');
      clients.push(a, b);
      expect((await a.request({ type: 'offer', to: b.participantId, sdp: sdp() })).ok).toBe(true);
      expect((await a.request({ type: 'offer', to: b.participantId, sdp: 'junk' })).ok).toBe(false);
      expect((await a.request({ type: 'offer', to: 'nobody', sdp: sdp() })).ok).toBe(false);
      a.send('{bad');
      await a.log.waitFor('error');

      const text = await (await fetch(`${m.httpUrl}/metrics`)).text();
      expect(text).toContain('parley_sessions{transport="websocket"} 2');
      expect(text).toMatch(/^parley_rooms 1$/m);
      expect(text).toContain('parley_participants 2');
      expect(text).toContain('parley_messages_relayed_total{type="offer"} 1');
      expect(text).toContain('parley_errors_total{code="INVALID_SDP"} 1');
      expect(text).toContain('parley_errors_total{code="UNKNOWN_PARTICIPANT"} 1');
      expect(text).toContain('parley_errors_total{code="MALFORMED_JSON"} 1');

      // A dropped socket moves its session to "detached" until it resumes or expires.
      a.terminate();
      await pollUntil(async () => ((await (await fetch(`${m.httpUrl}/metrics`)).text()).includes('parley_sessions{transport="detached"} 1') ? true : undefined), { what: 'a detached session' });
    } finally {
      await m.close();
    }
  });
});

describe('logs', () => {
  it('never contain the auth secret, API key, TURN secret, room tokens or resume tokens', async () => {
    const apiKey = 'api-key-never-logged-0123456789';
    const turnSecret = 'turn-secret-never-logged-42';
    const s = await startTestServer({ log: { level: 'trace' }, auth: { apiKey }, ice: { turn: { urls: ['turn:127.0.0.1:3478'], secret: turnSecret } } });
    const secrets: string[] = [TEST_SECRET, apiKey, turnSecret];
    try {
      const room = uniqueRoom();
      const aToken = await s.token(room, 'alice');
      const a = await WsSignalClient.join(s.wsUrl, { token: aToken });
      clients.push(a);
      const w = a.welcome;
      if (!w) throw new Error('no welcome');
      secrets.push(aToken, w.resumeToken, w.iceServers.find((x) => x.credential)?.credential ?? 'missing');

      const http = await httpHello(s.httpUrl, { token: await s.token(room, 'bob') }, 'longpoll');
      const hw = http.body as typeof w;
      secrets.push(hw.resumeToken);
      await httpSend(s.httpUrl, hw, { type: 'offer', to: w.participantId, sdp: 'junk' });
      await httpSend(s.httpUrl, { sessionId: hw.sessionId, resumeToken: `${hw.resumeToken}-wrong` }, { type: 'ping' });

      // Failed attempts carry secrets too.
      const bad = await WsSignalClient.open(s.wsUrl);
      clients.push(bad);
      await expect(bad.hello({ token: aToken, resume: { sessionId: w.sessionId, resumeToken: 'guess-the-token', lastSeq: 0 } })).rejects.toThrow(/RESUME_FAILED/);
      const { token: expired } = await s.tokens.mint({ room, identity: 'late', ttlS: -5 });
      secrets.push(expired);
      await httpHello(s.httpUrl, { token: expired });
      await fetch(`${s.httpUrl}/api/rooms`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
      await fetch(`${s.httpUrl}/api/rooms/${room}/tokens`, { method: 'POST', body: JSON.stringify({ name: 'Guest' }) }).then(async (r) => secrets.push(((await r.json()) as { token: string }).token));
      a.terminate();
      await pollUntil(() => (s.logs.length > 0 && s.signaling.getSession(w.sessionId)?.transport === undefined ? true : undefined));

      const text = JSON.stringify(s.logs);
      expect(text).toContain('participant joined');
      for (const secret of secrets) expect(text.includes(secret), `a secret of ${secret.length} characters leaked into the logs`).toBe(false);
    } finally {
      await s.close();
    }
  });
});
