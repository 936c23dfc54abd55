import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, Welcome } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import { WsSignalClient, type MessageOf } from '../support/signal-client.ts';
import { candidate, joinWs, sdp, uniqueRoom } from '../support/fixtures.ts';

const TURN_SECRET = 'turn-shared-secret-for-tests';
let server: TestServer;
const clients: WsSignalClient[] = [];

async function join(room: string, identity: string, name?: string): Promise<WsSignalClient> {
  const c = await joinWs(server, room, identity, name);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startTestServer({
    ice: { servers: [{ urls: 'stun:127.0.0.1:3478' }], turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: TURN_SECRET, ttlS: 600 } },
  });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
});
afterAll(() => server.close());

describe('hello / welcome', () => {
  it('answers hello with a welcome: version, participant, resume token, empty room, ICE servers', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice', 'Alice');
    const w = a.welcome as Welcome;
    expect(Welcome.safeParse(w).success).toBe(true);
    expect(w).toMatchObject({ protocolVersion: PROTOCOL_VERSION, resumed: false, seq: 0, room: { id: room, topology: 'mesh' } });
    expect(w.participantId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(w.resumeToken.length).toBeGreaterThanOrEqual(16);
    expect(w.room.participants).toEqual([expect.objectContaining({ id: w.participantId, identity: 'alice', name: 'Alice' })]);
  });

  it('echoes the hello id and picks the highest common version', async () => {
    const c = await WsSignalClient.open(server.wsUrl);
    clients.push(c);
    const w = await c.hello({ token: await server.token(uniqueRoom(), 'x'), versions: [99, PROTOCOL_VERSION, 0.5 + 0.5], id: 'h-1' });
    expect(w).toMatchObject({ id: 'h-1', protocolVersion: PROTOCOL_VERSION });
  });

  it('lists the participants already in the room', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice');
    const b = await join(room, 'bob');
    expect(b.welcome?.room.participants.map((p) => p.id).sort()).toEqual([a.participantId, b.participantId].sort());
  });

  it('hands out the static ICE servers plus fresh TURN REST credentials', async () => {
    const before = Math.floor(Date.now() / 1000);
    const a = await join(uniqueRoom(), 'carol');
    const after = Math.floor(Date.now() / 1000);
    const servers = a.welcome?.iceServers ?? [];
    expect(servers[0]).toEqual({ urls: 'stun:127.0.0.1:3478' });
    const turn = servers[1];
    expect(turn?.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, user] = (turn?.username ?? '').split(':');
    expect(user).toBe('carol');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
    expect(turn?.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn?.username ?? '').digest('base64'));
  });
});

describe('two participants', () => {
  it('tells the first participant about the second (participantJoined)', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice');
    const b = await join(room, 'bob', 'Bob');
    const joined = await a.log.waitFor('participantJoined');
    expect(joined).toMatchObject({ seq: 1, participant: { id: b.participantId, identity: 'bob', name: 'Bob' } });
  });

  it('relays offer, answer and candidates with `from`, answering requests with ok', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice');
    const b = await join(room, 'bob');
    expect(await a.request({ type: 'offer', to: b.participantId, sdp: sdp('offer') })).toMatchObject({ type: 'response', ok: true });
    expect(await b.log.waitFor('offer')).toMatchObject({ from: a.participantId, sdp: sdp('offer'), seq: 1 });

    expect((await b.request({ type: 'answer', to: a.participantId, sdp: sdp('answer') })).ok).toBe(true);
    expect(await a.log.waitFor('answer')).toMatchObject({ from: b.participantId, sdp: sdp('answer') });

    b.send({ type: 'candidate', to: a.participantId, candidate: candidate(5000) });
    b.send({ type: 'candidate', to: a.participantId, candidate: { candidate: '', sdpMid: '0' } });
    b.send({ type: 'candidate', to: a.participantId, candidate: null });
    const cands = await a.log.waitFor('candidate', (m) => m.candidate === null).then(() => a.log.ofType('candidate'));
    expect(cands.map((c) => c.candidate)).toEqual([candidate(5000), { candidate: '', sdpMid: '0' }, null]);
    expect(cands.every((c) => c.from === b.participantId)).toBe(true);
    // Notification seqs are per session and contiguous.
    expect(a.log.notifications().map((n) => n.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('does not answer a relay without an id, and accepts acks silently', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice');
    const b = await join(room, 'bob');
    a.send({ type: 'offer', to: b.participantId, sdp: sdp() });
    await b.log.waitFor('offer');
    b.ack(1);
    await a.sync();
    await b.sync();
    expect(a.log.messages.filter((m) => m.type === 'response' || m.type === 'error')).toHaveLength(1); // the sync ping
    expect(b.log.ofType('error')).toHaveLength(0);
  });

  it('broadcasts updates as participantUpdated and answers with the new participant', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice');
    const b = await join(room, 'bob');
    const r = await a.request({ type: 'update', name: 'Alice B.', metadata: '{"hand":true}' });
    expect(r).toMatchObject({ ok: true, data: { id: a.participantId, name: 'Alice B.', metadata: '{"hand":true}' } });
    expect(await b.log.waitFor('participantUpdated')).toMatchObject({ participant: { id: a.participantId, name: 'Alice B.', metadata: '{"hand":true}' } });
  });

  it('on leave: answers ok, closes 1000 and tells the others participantLeft reason "left"', async () => {
    const room = uniqueRoom();
    const a = await join(room, 'alice');
    const b = await join(room, 'bob');
    expect((await b.request({ type: 'leave' })).ok).toBe(true);
    expect(await b.closed).toMatchObject({ code: 1000 });
    expect(await a.log.waitFor('participantLeft')).toMatchObject({ participantId: b.participantId, reason: 'left' });
    const c = await join(room, 'carol');
    expect(c.welcome?.room.participants.map((p) => p.id)).toEqual([a.participantId, c.participantId]);
  });

  it('replaces the older session of a duplicate identity (REPLACED, close 1008)', async () => {
    const room = uniqueRoom();
    const old = await join(room, 'alice');
    const b = await join(room, 'bob');
    const fresh = await join(room, 'alice');
    expect((await old.log.waitFor('error')).error.code).toBe('REPLACED');
    expect(await old.closed).toEqual({ code: 1008, reason: 'REPLACED' });
    expect(await b.log.waitFor('participantLeft')).toMatchObject({ participantId: old.participantId, reason: 'replaced' });
    expect(await b.log.waitFor('participantJoined', (m) => m.participant.id === fresh.participantId)).toBeDefined();
    expect(fresh.welcome?.room.participants.map((p) => p.identity).sort()).toEqual(['alice', 'bob']);
  });
});

describe('handshake violations', () => {
  async function refused(send: (c: WsSignalClient) => void | Promise<void>): Promise<{ error: MessageOf<'error'> | undefined; close: { code: number; reason: string } }> {
    const c = await WsSignalClient.open(server.wsUrl);
    clients.push(c);
    await send(c);
    const close = await c.closed;
    return { error: c.log.ofType('error')[0], close };
  }

  it('closes 1002 on a first message that is not hello', async () => {
    const r = await refused((c) => c.send({ type: 'ping', id: '1' }));
    expect(r.error?.error.code).toBe('PROTOCOL_VIOLATION');
    expect(r.close).toEqual({ code: 1002, reason: 'PROTOCOL_VIOLATION' });
  });

  it('closes 1002 on a first message that is not JSON', async () => {
    const r = await refused((c) => c.send('{nope'));
    expect(r.error?.error.code).toBe('MALFORMED_JSON');
    expect(r.close.code).toBe(1002);
  });

  it('closes 1002 with UNSUPPORTED_VERSION when no version is common', async () => {
    const token = await server.token(uniqueRoom(), 'x');
    const r = await refused((c) => c.send({ type: 'hello', versions: [99, 100], token }));
    expect(r.error?.error.code).toBe('UNSUPPORTED_VERSION');
    expect(r.close).toEqual({ code: 1002, reason: 'UNSUPPORTED_VERSION' });
  });

  it('closes 1002 on a binary frame', async () => {
    const a = await join(uniqueRoom(), 'alice');
    a.sendBinary(Buffer.from([1, 2, 3]));
    expect((await a.log.waitFor('error')).error.code).toBe('PROTOCOL_VIOLATION');
    expect(await a.closed).toEqual({ code: 1002, reason: 'binary frame' });
  });

  it('closes 1002 on a second hello, answering it with PROTOCOL_VIOLATION', async () => {
    const a = await join(uniqueRoom(), 'alice');
    a.send({ type: 'hello', id: 'again', versions: [1], token: 'x' });
    expect(await a.log.waitFor('response', (r) => r.id === 'again')).toMatchObject({ ok: false, error: { code: 'PROTOCOL_VIOLATION' } });
    expect(await a.closed).toEqual({ code: 1002, reason: 'second hello' });
  });

  it('closes 1008 on a token that is not valid', async () => {
    const r = await refused((c) => c.send({ type: 'hello', versions: [1], token: 'not-a-jwt' }));
    expect(r.error?.error.code).toBe('TOKEN_INVALID');
    expect(r.close).toEqual({ code: 1008, reason: 'TOKEN_INVALID' });
  });

  it('closes 1008 on an expired token', async () => {
    const { token } = await server.tokens.mint({ room: uniqueRoom(), identity: 'late', ttlS: -30 });
    const r = await refused((c) => c.send({ type: 'hello', versions: [1], token }));
    expect(r.error?.error.code).toBe('TOKEN_EXPIRED');
    expect(r.close.code).toBe(1008);
  });

  it('closes 1008 with FORBIDDEN on a token without the join grant', async () => {
    const { token } = await server.tokens.mint({ room: uniqueRoom(), identity: 'x', grants: { join: false }, ttlS: 60 });
    const r = await refused((c) => c.send({ type: 'hello', versions: [1], token }));
    expect(r.error?.error.code).toBe('FORBIDDEN');
    expect(r.close.code).toBe(1008);
  });
});

describe('room limits and policies', () => {
  it('refuses a participant beyond maxParticipants with ROOM_FULL', async () => {
    const small = await startTestServer({ rooms: { maxParticipants: 2 } });
    try {
      const room = uniqueRoom();
      for (const id of ['a', 'b']) clients.push(await joinWs(small, room, id));
      const c = await WsSignalClient.open(small.wsUrl);
      clients.push(c);
      await expect(c.hello({ token: await small.token(room, 'c') })).rejects.toThrow(/ROOM_FULL/);
      expect(await c.closed).toEqual({ code: 1000, reason: 'ROOM_FULL' });
      // A participant already in the room may still rejoin (it replaces itself).
      clients.push(await joinWs(small, room, 'a'));
    } finally {
      await small.close();
    }
  });

  it('with rooms.autoCreate false, refuses an unknown room with ROOM_NOT_FOUND and accepts a created one', async () => {
    const strict = await startTestServer({ rooms: { autoCreate: false } });
    try {
      const c = await WsSignalClient.open(strict.wsUrl);
      clients.push(c);
      await expect(c.hello({ token: await strict.token('nowhere', 'a') })).rejects.toThrow(/ROOM_NOT_FOUND/);
      expect((await c.closed).reason).toBe('ROOM_NOT_FOUND');
      const created = await fetch(`${strict.httpUrl}/api/rooms`, { method: 'POST', body: JSON.stringify({ id: 'somewhere' }) });
      expect(created.status).toBe(201);
      clients.push(await joinWs(strict, 'somewhere', 'a'));
    } finally {
      await strict.close();
    }
  });

  it('with requireExternalTokens, refuses to mint tokens (403 FORBIDDEN) but accepts external ones', async () => {
    const ext = await startTestServer({ auth: { requireExternalTokens: true } });
    try {
      const res = await fetch(`${ext.httpUrl}/api/rooms/r1/tokens`, { method: 'POST', body: JSON.stringify({ name: 'Mallory' }) });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ type: 'error', error: { code: 'FORBIDDEN' } });
      clients.push(await joinWs(ext, 'r1', 'backend-user'));
    } finally {
      await ext.close();
    }
  });
});
