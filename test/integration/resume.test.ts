import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Welcome } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SseSignalStream, WsSignalClient, httpHello, httpPoll, type Notification } from '../support/signal-client.ts';
import { candidate, sdp, uniqueRoom } from '../support/fixtures.ts';

let server: TestServer;
const clients: WsSignalClient[] = [];
const streams: SseSignalStream[] = [];

beforeAll(async () => {
  server = await startTestServer({ signaling: { resumeGraceMs: 5_000 } });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
  for (const s of streams.splice(0)) s.close();
});
afterAll(() => server.close());

interface Pair {
  room: string;
  a: WsSignalClient;
  b: WsSignalClient;
  aToken: string;
  aWelcome: Welcome;
}

async function open(s: TestServer = server): Promise<WsSignalClient> {
  const c = await WsSignalClient.open(s.wsUrl);
  clients.push(c);
  return c;
}

/** a and b in one room; a has seen seqs 1..3 (b joined, two offers) and acknowledged only 1. */
async function pairWithHistory(s: TestServer = server): Promise<Pair> {
  const room = uniqueRoom();
  const aToken = await s.token(room, 'alice');
  const a = await open(s);
  const aWelcome = await a.hello({ token: aToken });
  const b = await open(s);
  await b.hello({ token: await s.token(room, 'bob') });
  await a.log.waitFor('participantJoined');
  a.ack(1);
  for (const n of [1, 2]) expect((await b.request({ type: 'offer', to: a.participantId, sdp: sdp(`early${n}`) })).ok).toBe(true);
  await a.log.waitForNotifications(3);
  return { room, a, b, aToken, aWelcome };
}

/** While a is away, b sends an offer, two candidates, an end-of-candidates and an update: seqs 4..8 for a. */
async function missWhileAway(p: Pair): Promise<void> {
  const to = p.a.participantId;
  expect((await p.b.request({ type: 'offer', to, sdp: sdp('missed') })).ok).toBe(true);
  expect((await p.b.request({ type: 'candidate', to, candidate: candidate(6001) })).ok).toBe(true);
  expect((await p.b.request({ type: 'candidate', to, candidate: candidate(6002) })).ok).toBe(true);
  expect((await p.b.request({ type: 'candidate', to, candidate: null })).ok).toBe(true);
  expect((await p.b.request({ type: 'update', name: 'Bob (away)' })).ok).toBe(true);
}

function expectMissed(notes: Notification[], from: string): void {
  expect(notes.map((n) => n.seq)).toEqual([4, 5, 6, 7, 8]);
  expect(notes).toEqual([
    { type: 'offer', seq: 4, from, sdp: sdp('missed') },
    { type: 'candidate', seq: 5, from, candidate: candidate(6001) },
    { type: 'candidate', seq: 6, from, candidate: candidate(6002) },
    { type: 'candidate', seq: 7, from, candidate: null },
    { type: 'participantUpdated', seq: 8, participant: expect.objectContaining({ id: from, name: 'Bob (away)' }) },
  ]);
}

describe('resume over WebSocket', () => {
  it('replays every missed notification exactly once, in order, after a cut WebSocket', async () => {
    const p = await pairWithHistory();
    p.a.terminate();
    await missWhileAway(p);

    const a2 = await open();
    const w = await a2.hello({ token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 } });
    expect(w).toMatchObject({ resumed: true, sessionId: p.aWelcome.sessionId, participantId: p.aWelcome.participantId, seq: 8 });
    expect(w.room.participants.map((x) => x.identity).sort()).toEqual(['alice', 'bob']);
    await a2.log.waitForNotifications(5);
    await a2.sync();
    expectMissed(a2.log.notifications(), p.b.participantId);

    // Live notifications continue the sequence; the others never saw a leave.
    expect((await p.b.request({ type: 'offer', to: p.a.participantId, sdp: sdp('live') })).ok).toBe(true);
    expect(await a2.log.waitFor('offer', (o) => o.sdp === sdp('live'))).toMatchObject({ seq: 9 });
    await p.b.sync();
    expect(p.b.log.ofType('participantLeft')).toEqual([]);
  });

  it('takes over from a socket the server still thinks is open', async () => {
    const p = await pairWithHistory();
    const a2 = await open();
    await a2.hello({ token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 } });
    expect(await p.a.closed).toEqual({ code: 1000, reason: 'session resumed elsewhere' });
    expect((await p.b.request({ type: 'offer', to: p.a.participantId, sdp: sdp('x') })).ok).toBe(true);
    expect(await a2.log.waitFor('offer')).toMatchObject({ seq: 4 });
    expect(p.a.log.notifications().map((n) => n.seq)).toEqual([1, 2, 3]);
  });

  it('refuses a wrong resume token with RESUME_FAILED and keeps the session resumable', async () => {
    const p = await pairWithHistory();
    p.a.terminate();
    const bad = await open();
    await expect(bad.hello({ token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: 'wrong-token', lastSeq: 3 } })).rejects.toThrow(/RESUME_FAILED/);
    expect(await bad.closed).toEqual({ code: 1000, reason: 'RESUME_FAILED' });

    const good = await open();
    expect((await good.hello({ token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 } })).resumed).toBe(true);
  });

  it('refuses a resume by another identity, of an unknown session, or from a seq never sent', async () => {
    const p = await pairWithHistory();
    const resume = { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 };
    const attempts = [
      { token: await server.token(p.room, 'mallory'), resume },
      { token: p.aToken, resume: { ...resume, sessionId: 'no-such-session' } },
      { token: p.aToken, resume: { ...resume, lastSeq: 99 } },
    ];
    for (const hello of attempts) {
      const c = await open();
      await expect(c.hello(hello)).rejects.toThrow(/RESUME_FAILED/);
    }
    await p.a.sync(); // the original session is untouched
  });

  it('ends the session after resumeGraceMs: the others get participantLeft reason "timeout", and a resume fails', async () => {
    const quick = await startTestServer({ signaling: { resumeGraceMs: 300 } });
    try {
      const p = await pairWithHistory(quick);
      p.a.terminate();
      expect(await p.b.log.waitFor('participantLeft', () => true, { timeoutMs: 5_000 })).toMatchObject({ participantId: p.a.participantId, reason: 'timeout' });
      const late = await open(quick);
      await expect(late.hello({ token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 } })).rejects.toThrow(/RESUME_FAILED/);
    } finally {
      await quick.close();
    }
  });
});

describe('resume across transports', () => {
  it('drops the WebSocket and resumes over HTTP hello + SSE with Last-Event-ID', async () => {
    const p = await pairWithHistory();
    p.a.terminate();
    await missWhileAway(p);

    const hello = await httpHello(server.httpUrl, { token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 } }, 'sse');
    expect(hello.status).toBe(200);
    expect(hello.body).toMatchObject({ type: 'welcome', resumed: true, sessionId: p.aWelcome.sessionId, seq: 8 });

    const sse = await SseSignalStream.open(server.httpUrl, p.aWelcome, { lastEventId: 3 });
    if (!(sse instanceof SseSignalStream)) throw new Error(`events refused: ${sse.status}`);
    streams.push(sse);
    await sse.log.waitForNotifications(5);
    expect(sse.events.map((e) => e.id)).toEqual(['4', '5', '6', '7', '8']);
    expectMissed(sse.log.notifications(), p.b.participantId);

    expect((await p.b.request({ type: 'offer', to: p.a.participantId, sdp: sdp('live') })).ok).toBe(true);
    await sse.log.waitFor('offer', (o) => o.sdp === sdp('live'));
    expect(sse.events.at(-1)?.id).toBe('9');
  });

  it('reconnects an SSE stream with Last-Event-ID without repeats', async () => {
    const p = await pairWithHistory();
    p.a.terminate();
    const first = await SseSignalStream.open(server.httpUrl, p.aWelcome, { lastEventId: 3 });
    if (!(first instanceof SseSignalStream)) throw new Error('events refused');
    streams.push(first);
    await missWhileAway(p);
    await first.log.waitForNotifications(5);
    first.close();
    await first.done;
    expect((await p.b.request({ type: 'offer', to: p.a.participantId, sdp: sdp('after-sse') })).ok).toBe(true);

    const second = await SseSignalStream.open(server.httpUrl, p.aWelcome, { lastEventId: 8 });
    if (!(second instanceof SseSignalStream)) throw new Error('events refused');
    streams.push(second);
    const offer = await second.log.waitFor('offer');
    expect(offer).toMatchObject({ seq: 9, sdp: sdp('after-sse') });
    expect(second.events.map((e) => e.id)).toEqual(['9']);
  });

  it('drops the WebSocket and resumes over long-poll with `after`', async () => {
    const p = await pairWithHistory();
    p.a.terminate();
    await missWhileAway(p);

    const hello = await httpHello(server.httpUrl, { token: p.aToken, resume: { sessionId: p.aWelcome.sessionId, resumeToken: p.aWelcome.resumeToken, lastSeq: 3 } }, 'longpoll');
    expect(hello.body).toMatchObject({ type: 'welcome', resumed: true });
    const first = await httpPoll(server.httpUrl, p.aWelcome, 3);
    expect(first.status).toBe(200);
    expectMissed(first.body.messages as Notification[], p.b.participantId);

    // The next poll, after everything seen, waits for the next notification only.
    const next = httpPoll(server.httpUrl, p.aWelcome, 8);
    expect((await p.b.request({ type: 'offer', to: p.a.participantId, sdp: sdp('live') })).ok).toBe(true);
    expect((await next).body.messages).toEqual([{ type: 'offer', seq: 9, from: p.b.participantId, sdp: sdp('live') }]);
  });

  it('refuses a poll or event stream from a seq that was never sent with RESUME_FAILED (409)', async () => {
    const p = await pairWithHistory();
    const poll = await httpPoll(server.httpUrl, p.aWelcome, 50);
    expect(poll.status).toBe(409);
    expect(poll.body).toMatchObject({ type: 'error', error: { code: 'RESUME_FAILED' } });
    const sse = await SseSignalStream.open(server.httpUrl, p.aWelcome, { lastEventId: 50 });
    expect(sse).toMatchObject({ status: 409, body: { error: { code: 'RESUME_FAILED' } } });
  });
});
