import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignalPaths, type Welcome } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SseSignalStream, WsSignalClient, httpHello, httpPoll, httpSend } from '../support/signal-client.ts';
import { candidate, joinWs, sdp, uniqueRoom } from '../support/fixtures.ts';

const HARD_MAX = 128 * 1024;
let server: TestServer;
const clients: WsSignalClient[] = [];
const streams: SseSignalStream[] = [];

beforeAll(async () => {
  server = await startTestServer({ signaling: { resumeGraceMs: 5_000, longPollTimeoutMs: 300, hardMaxMessageBytes: HARD_MAX } });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
  for (const s of streams.splice(0)) s.close();
});
afterAll(() => server.close());

async function helloOver(transport: 'sse' | 'longpoll', room: string, identity: string): Promise<Welcome> {
  const r = await httpHello(server.httpUrl, { token: await server.token(room, identity) }, transport);
  expect(r.status).toBe(200);
  expect(r.body.type).toBe('welcome');
  return r.body as Welcome;
}

async function wsJoin(room: string, identity: string): Promise<WsSignalClient> {
  const c = await joinWs(server, room, identity);
  clients.push(c);
  return c;
}

async function events(w: Welcome, lastEventId?: number): Promise<SseSignalStream> {
  const s = await SseSignalStream.open(server.httpUrl, w, lastEventId !== undefined ? { lastEventId } : {});
  if (!(s instanceof SseSignalStream)) throw new Error(`events refused with ${s.status}`);
  streams.push(s);
  return s;
}

describe('POST /signal/http/hello', () => {
  it('answers a hello with a welcome (?transport=sse and ?transport=longpoll)', async () => {
    const room = uniqueRoom();
    const a = await helloOver('sse', room, 'alice');
    const b = await helloOver('longpoll', room, 'bob');
    expect(a).toMatchObject({ resumed: false, seq: 0, room: { id: room } });
    expect(b.room.participants.map((p) => p.id)).toEqual([a.participantId, b.participantId]);
  });

  it('refuses bad hellos with the stable code and its HTTP status', async () => {
    const cases: Array<[string, number, string]> = [
      ['{nope', 400, 'MALFORMED_JSON'],
      [JSON.stringify({ type: 'ping' }), 400, 'PROTOCOL_VIOLATION'],
      [JSON.stringify({ type: 'hello', versions: [1], token: 'junk' }), 401, 'TOKEN_INVALID'],
      [JSON.stringify({ type: 'hello', versions: [7], token: await server.token('r', 'x') }), 400, 'UNSUPPORTED_VERSION'],
      [JSON.stringify({ type: 'hello', versions: [1], token: 'x'.repeat(70_000) }), 413, 'MESSAGE_TOO_LARGE'],
    ];
    for (const [body, status, code] of cases) {
      const r = await httpHello(server.httpUrl, body);
      expect({ status: r.status, body: r.body }, code).toMatchObject({ status, body: { type: 'error', error: { code } } });
    }
  });
});

describe('GET /signal/http/events (SSE)', () => {
  it('streams numbered notifications as id:/data: events', async () => {
    const room = uniqueRoom();
    const a = await helloOver('sse', room, 'alice');
    const res = await fetch(`${server.httpUrl}${SignalPaths.events}?session=${a.sessionId}&key=${a.resumeToken}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await res.body?.cancel();

    const sse = await events(a);
    const b = await wsJoin(room, 'bob');
    const joined = await sse.log.waitFor('participantJoined');
    expect(joined).toMatchObject({ seq: 1, participant: { id: b.participantId } });
    expect(sse.events[0]).toMatchObject({ id: '1' });
    expect(JSON.parse(sse.events[0]?.data ?? '')).toEqual(joined);
  });

  it('refuses a wrong key with 409 SESSION_CLOSED', async () => {
    const a = await helloOver('sse', uniqueRoom(), 'alice');
    const r = await SseSignalStream.open(server.httpUrl, { sessionId: a.sessionId, resumeToken: 'wrong' });
    expect(r).toMatchObject({ status: 409, body: { type: 'error', error: { code: 'SESSION_CLOSED' } } });
  });

  it('on leave, answers in the send response and ends the stream with a close event', async () => {
    const a = await helloOver('sse', uniqueRoom(), 'alice');
    const sse = await events(a);
    expect(await httpSend(server.httpUrl, a, { type: 'leave', id: 'bye' })).toEqual({ status: 200, body: { type: 'response', id: 'bye', ok: true } });
    await sse.done;
    expect(sse.events.at(-1)).toEqual({ event: 'close', data: JSON.stringify({ code: 1000, reason: 'left' }) });
  });
});

describe('GET /signal/http/poll', () => {
  it('returns {"messages": []} when nothing happens before the long-poll timeout', async () => {
    const a = await helloOver('longpoll', uniqueRoom(), 'alice');
    const r = await httpPoll(server.httpUrl, a, 0);
    expect(r).toEqual({ status: 200, body: { messages: [] } });
  });

  it('needs the resume token as Bearer', async () => {
    const a = await helloOver('longpoll', uniqueRoom(), 'alice');
    const r = await fetch(`${server.httpUrl}${SignalPaths.poll}?session=${a.sessionId}&after=0`);
    expect(r.status).toBe(409);
    expect(await r.json()).toMatchObject({ error: { code: 'SESSION_CLOSED' } });
  });

  it('refuses a bad `after` with 400 BAD_REQUEST', async () => {
    const a = await helloOver('longpoll', uniqueRoom(), 'alice');
    for (const after of ['-1', 'x', '1.5']) {
      const r = await fetch(`${server.httpUrl}${SignalPaths.poll}?session=${a.sessionId}&after=${after}`, { headers: { authorization: `Bearer ${a.resumeToken}` } });
      expect(r.status, after).toBe(400);
      expect(await r.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
  });
});

describe('POST /signal/http/send', () => {
  it('answers a request with its response, and a notification-less message with 204', async () => {
    const a = await helloOver('sse', uniqueRoom(), 'alice');
    expect(await httpSend(server.httpUrl, a, { type: 'ping', id: 'p' })).toMatchObject({ status: 200, body: { type: 'response', id: 'p', ok: true, data: { now: expect.any(Number) } } });
    expect(await httpSend(server.httpUrl, a, { type: 'ack', seq: 0 })).toEqual({ status: 204, body: undefined });
  });

  it('answers bad messages with the error JSON and forwards nothing', async () => {
    const room = uniqueRoom();
    const a = await helloOver('sse', room, 'alice');
    const b = await wsJoin(room, 'bob');
    const cases: Array<[unknown, string]> = [
      ['{"type":', 'MALFORMED_JSON'],
      [{ type: 'nope', id: 'n' }, 'UNKNOWN_TYPE'],
      [{ type: 'offer', id: 'o', to: b.participantId, sdp: 'junk' }, 'INVALID_SDP'],
      [{ type: 'candidate', id: 'c', to: b.participantId, candidate: { candidate: 'junk' } }, 'INVALID_CANDIDATE'],
      [{ type: 'offer', id: 'u', to: 'someone-else', sdp: sdp() }, 'UNKNOWN_PARTICIPANT'],
      [{ type: 'offer', to: b.participantId, sdp: `${sdp()}a=x:${'y'.repeat(70_000)}\r\n` }, 'MESSAGE_TOO_LARGE'],
    ];
    for (const [message, code] of cases) {
      const r = await httpSend(server.httpUrl, a, message);
      expect(r.status, code).toBe(200);
      expect(r.body, code).toMatchObject({ error: { code } });
    }
    expect((await httpSend(server.httpUrl, a, { type: 'offer', id: 'ok', to: b.participantId, sdp: sdp('good') })).body).toMatchObject({ ok: true });
    await b.log.waitFor('offer');
    expect(b.log.notifications()).toEqual([{ type: 'offer', seq: 1, from: a.participantId, sdp: sdp('good') }]);
  });

  it('refuses a wrong key with 409 SESSION_CLOSED', async () => {
    const a = await helloOver('sse', uniqueRoom(), 'alice');
    const r = await httpSend(server.httpUrl, { sessionId: a.sessionId, resumeToken: 'wrong' }, { type: 'ping', id: 'p' });
    expect(r).toMatchObject({ status: 409, body: { type: 'error', error: { code: 'SESSION_CLOSED' } } });
    const unknown = await httpSend(server.httpUrl, { sessionId: 'nope', resumeToken: a.resumeToken }, { type: 'ping', id: 'p' });
    expect(unknown.status).toBe(409);
  });

  it('refuses a body over hardMaxMessageBytes with 413 MESSAGE_TOO_LARGE', async () => {
    const a = await helloOver('sse', uniqueRoom(), 'alice');
    const r = await httpSend(server.httpUrl, a, { type: 'ping', id: 'p', pad: 'x'.repeat(HARD_MAX) });
    expect(r).toMatchObject({ status: 413, body: { type: 'error', error: { code: 'MESSAGE_TOO_LARGE' } } });
    expect((await httpSend(server.httpUrl, a, { type: 'ping', id: 'after' })).status).toBe(200);
  });
});

describe('mixed transports', () => {
  it('runs a full exchange between a WebSocket participant and a long-poll participant', async () => {
    const room = uniqueRoom();
    const a = await wsJoin(room, 'alice');
    const b = await helloOver('longpoll', room, 'bob');
    expect(await a.log.waitFor('participantJoined')).toMatchObject({ participant: { id: b.participantId } });

    expect((await a.request({ type: 'offer', to: b.participantId, sdp: sdp('offer') })).ok).toBe(true);
    a.send({ type: 'candidate', to: b.participantId, candidate: candidate(7001) });
    await a.sync();
    const first = await httpPoll(server.httpUrl, b, 0);
    expect(first.body.messages).toEqual([
      { type: 'offer', seq: 1, from: a.participantId, sdp: sdp('offer') },
      { type: 'candidate', seq: 2, from: a.participantId, candidate: candidate(7001) },
    ]);

    expect((await httpSend(server.httpUrl, b, { type: 'answer', id: 'ans', to: a.participantId, sdp: sdp('answer') })).body).toMatchObject({ ok: true });
    expect((await httpSend(server.httpUrl, b, { type: 'candidate', to: a.participantId, candidate: candidate(7002) })).status).toBe(204);
    expect(await a.log.waitFor('answer')).toMatchObject({ from: b.participantId, sdp: sdp('answer') });
    expect(await a.log.waitFor('candidate')).toMatchObject({ from: b.participantId, candidate: candidate(7002) });

    // A poll that acknowledges 1..2 gets only what is new, without repeats.
    const waiting = httpPoll(server.httpUrl, b, 2);
    a.send({ type: 'candidate', to: b.participantId, candidate: null });
    expect((await waiting).body.messages).toEqual([{ type: 'candidate', seq: 3, from: a.participantId, candidate: null }]);

    expect((await httpSend(server.httpUrl, b, { type: 'leave' })).status).toBe(204);
    expect(await a.log.waitFor('participantLeft')).toMatchObject({ participantId: b.participantId, reason: 'left' });
    expect((await httpSend(server.httpUrl, b, { type: 'ping', id: 'gone' })).status).toBe(409);
  });
});
