import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorCode, ServerMessage } from '@parley/protocol';
import { startTestServer, type TestServer } from '../support/server.ts';
import type { WsSignalClient } from '../support/signal-client.ts';
import { candidate, joinWs, sdp, uniqueRoom } from '../support/fixtures.ts';

const HARD_MAX = 256 * 1024;
let server: TestServer;
const clients: WsSignalClient[] = [];

async function join(s: TestServer, room: string, identity: string): Promise<WsSignalClient> {
  const c = await joinWs(s, room, identity);
  clients.push(c);
  return c;
}

function errorCode(m: ServerMessage): ErrorCode | undefined {
  if (m.type === 'error') return m.error.code;
  if (m.type === 'response' && !m.ok) return m.error.code;
  return undefined;
}

/** The first error the client receives after index `from`, as a response (with id) or an error message. */
async function nextError(c: WsSignalClient, from: number): Promise<ServerMessage> {
  return Promise.race([c.log.waitFor('error', () => true, { from }), c.log.waitFor('response', (r) => !r.ok, { from })]);
}

beforeAll(async () => {
  server = await startTestServer({ signaling: { hardMaxMessageBytes: HARD_MAX } });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
});
afterAll(() => server.close());

describe('bad input from an established session', () => {
  let a: WsSignalClient;
  let b: WsSignalClient;
  beforeEach(async () => {
    const room = uniqueRoom();
    a = await join(server, room, 'alice');
    b = await join(server, room, 'bob');
  });

  /**
   * Sends `bad` from a, expects `code` back, then proves the session still works and that b got
   * nothing but the valid offer sent afterwards (frames to b are delivered in order).
   */
  async function rejectsAndSurvives(bad: () => string | object, code: ErrorCode, expectRef?: { id?: string; ref?: string }): Promise<void> {
    const from = a.log.messages.length;
    const frame = bad();
    a.send(frame);
    const err = await nextError(a, from);
    expect(errorCode(err)).toBe(code);
    if (expectRef?.id) expect(err).toMatchObject({ type: 'response', id: expectRef.id });
    if (expectRef?.ref) expect(err).toMatchObject({ type: 'error', ref: expectRef.ref });
    expect((await a.request({ type: 'offer', to: b.participantId, sdp: sdp('after') })).ok).toBe(true);
    await b.log.waitFor('offer');
    expect(b.log.notifications()).toEqual([{ type: 'offer', seq: 1, from: a.participantId, sdp: sdp('after') }]);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
  }

  it('rejects malformed JSON with MALFORMED_JSON', async () => {
    await rejectsAndSurvives(() => `{"type":"offer","to":"${b.participantId}","sdp":`, 'MALFORMED_JSON');
  });

  it('rejects JSON that is not an object with INVALID_MESSAGE', async () => {
    await rejectsAndSurvives(() => JSON.stringify([{ type: 'offer', to: b.participantId, sdp: sdp() }]), 'INVALID_MESSAGE');
  });

  it('rejects an unknown type with UNKNOWN_TYPE, addressed by id', async () => {
    await rejectsAndSurvives(() => ({ type: 'offerr', id: 'q1', to: b.participantId, sdp: sdp() }), 'UNKNOWN_TYPE', { id: 'q1' });
  });

  it('rejects an unknown type without id with UNKNOWN_TYPE, referencing the type', async () => {
    await rejectsAndSurvives(() => ({ type: 'shout', to: b.participantId }), 'UNKNOWN_TYPE', { ref: 'shout' });
  });

  it('rejects a schema violation with INVALID_MESSAGE', async () => {
    await rejectsAndSurvives(() => ({ type: 'offer', id: 'q2', to: b.participantId, sdp: 42 }), 'INVALID_MESSAGE', { id: 'q2' });
  });

  it('rejects a frame over maxMessageBytes (64 KiB) with MESSAGE_TOO_LARGE', async () => {
    await rejectsAndSurvives(() => ({ type: 'offer', to: b.participantId, sdp: `${sdp()}a=x:${'y'.repeat(65 * 1024)}\r\n` }), 'MESSAGE_TOO_LARGE');
  });

  it('rejects junk SDP with INVALID_SDP', async () => {
    await rejectsAndSurvives(() => ({ type: 'offer', id: 'q3', to: b.participantId, sdp: 'this is not sdp' }), 'INVALID_SDP', { id: 'q3' });
  });

  it('rejects an answer without a media section with INVALID_SDP', async () => {
    await rejectsAndSurvives(() => ({ type: 'answer', to: b.participantId, sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n' }), 'INVALID_SDP', { ref: 'answer' });
  });

  it('rejects a junk candidate with INVALID_CANDIDATE', async () => {
    await rejectsAndSurvives(() => ({ type: 'candidate', id: 'q4', to: b.participantId, candidate: { candidate: 'candidate:evil\r\na=inject' } }), 'INVALID_CANDIDATE', { id: 'q4' });
  });

  it('rejects a message to oneself or to nobody with UNKNOWN_PARTICIPANT', async () => {
    await rejectsAndSurvives(() => ({ type: 'offer', id: 'q5', to: a.participantId, sdp: sdp() }), 'UNKNOWN_PARTICIPANT', { id: 'q5' });
  });

  it('closes with 1009 on a frame over hardMaxMessageBytes', async () => {
    a.send({ type: 'offer', to: b.participantId, sdp: 'x'.repeat(HARD_MAX + 1) });
    expect((await a.closed).code).toBe(1009);
    await b.sync();
    expect(b.log.notifications()).toEqual([]);
  });

  it('closes 1002 after too many invalid messages', async () => {
    for (let i = 0; i < 40; i++) a.send('junk');
    expect(await a.closed).toEqual({ code: 1002, reason: 'too many invalid messages' });
    await b.sync();
    expect(b.log.notifications()).toEqual([]);
  });
});

describe('rooms are isolated', () => {
  it('refuses a message addressed to a participant of another room with UNKNOWN_PARTICIPANT; that participant receives nothing', async () => {
    const a = await join(server, uniqueRoom('a'), 'alice');
    const c = await join(server, uniqueRoom('c'), 'carol');
    const r = await a.request({ type: 'offer', to: c.participantId, sdp: sdp() });
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PARTICIPANT' } });
    a.send({ type: 'candidate', to: c.participantId, candidate: candidate() });
    expect(await a.log.waitFor('error')).toMatchObject({ error: { code: 'UNKNOWN_PARTICIPANT' }, ref: 'candidate' });
    await c.sync();
    expect(c.log.notifications()).toEqual([]);
  });

  it('a misbehaving session in room A does not disturb room B', async () => {
    const roomA = uniqueRoom('a');
    const roomB = uniqueRoom('b');
    const bad = await join(server, roomA, 'mallory');
    const victim = await join(server, roomA, 'alice');
    const b1 = await join(server, roomB, 'bob');
    const b2 = await join(server, roomB, 'carol');
    bad.sendBinary(Buffer.alloc(16));
    for (let i = 0; i < 10; i++) bad.send({ type: 'offer', to: b1.participantId, sdp: sdp() });
    expect((await bad.closed).code).toBe(1002);

    expect((await b1.request({ type: 'offer', to: b2.participantId, sdp: sdp('b') })).ok).toBe(true);
    expect(await b2.log.waitFor('offer')).toMatchObject({ from: b1.participantId });
    await b1.sync();
    expect(b1.log.notifications().map((n) => n.type)).toEqual(['participantJoined']);
    expect(b2.log.notifications().map((n) => n.type)).toEqual(['offer']);
    expect(victim.ws.readyState).toBe(victim.ws.OPEN);
  });
});

describe('rate limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ signaling: { ratePerSecond: 5, rateBurst: 10 } });
  });
  afterAll(() => limited.close());

  it('refuses a flood beyond the burst with RATE_LIMITED, forwards only what was allowed, then recovers', async () => {
    const room = uniqueRoom();
    const a = await join(limited, room, 'alice');
    const b = await join(limited, room, 'bob');
    const FLOOD = 30;
    for (let i = 0; i < FLOOD; i++) a.send({ type: 'offer', id: `f${i}`, to: b.participantId, sdp: sdp(`f${i}`) });
    // Every frame gets exactly one reply: a response (allowed) or a RATE_LIMITED error (refused before parsing, so no id).
    const replies = await pollReplies(a, FLOOD);
    const allowed = replies.filter((m) => m.type === 'response' && m.ok);
    const refused = replies.filter((m) => m.type === 'error' && m.error.code === 'RATE_LIMITED');
    expect(allowed.length + refused.length).toBe(FLOOD);
    expect(allowed.length).toBeGreaterThanOrEqual(10);
    expect(refused.length).toBeGreaterThan(0);

    // It recovers: a later offer goes through once the bucket refills (5/s). Bounded retries.
    let delivered = false;
    for (let attempt = 0; attempt < 40 && !delivered; attempt++) {
      const from = a.log.messages.length;
      a.send({ type: 'offer', id: `late${attempt}`, to: b.participantId, sdp: sdp('late') });
      const reply = await Promise.race([a.log.waitFor('response', (r) => r.id === `late${attempt}`, { from }), a.log.waitFor('error', () => true, { from })]);
      delivered = reply.type === 'response' && reply.ok;
      if (!delivered) {
        expect(reply).toMatchObject({ type: 'error', error: { code: 'RATE_LIMITED' } });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(delivered).toBe(true);

    await b.log.waitFor('offer', (o) => o.sdp === sdp('late'));
    const offers = b.log.ofType('offer');
    expect(offers).toHaveLength(allowed.length + 1);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
  });
});

async function pollReplies(c: WsSignalClient, count: number): Promise<ServerMessage[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const replies = c.log.messages.filter((m) => m.type === 'response' || m.type === 'error');
    if (replies.length >= count) return replies;
    if (Date.now() > deadline) throw new Error(`only ${replies.length} of ${count} replies`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
