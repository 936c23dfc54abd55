import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, readErrorCode } from '@parley/stun';
import { MediaEndpoint, Router, createDtlsCertificate, type EndpointPeer, type MediaEndpointStats, type Producer } from '@parley/media';
import { WebRtcClient, bindingRequest, joinSfu, opusRtp, until, type Joined } from './webrtc-client.ts';

/**
 * The SFU's one media port under hostile input (issue #5 item 7): every kind of bad datagram is dropped and counted
 * where it belongs, nothing throws, and a publisher → subscriber flow on the same port carries on meanwhile, every
 * packet decrypting at the subscriber with rising sequence numbers.
 */

const N = 2000;
const ALICE_SSRC = 0x0a11ce;

/** Deterministic bytes (mulberry32), so a failing run can be replayed. */
function prng(seed: number): (n: number) => Buffer {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
}

describe('SFU media port: bad input is dropped and counted while media flows', () => {
  let endpoint: MediaEndpoint;
  const router = new Router();
  let alice: Joined;
  let bob: Joined;
  let mallory: Joined;
  let stranger: WebRtcClient;
  let aliceSeq = 0;
  let healthySent = 0;

  const peerOf = (j: Joined): EndpointPeer => j.transport.peer as EndpointPeer;
  const producerOf = (j: Joined): Producer => (j.transport.producers()[0] as { producer: Producer }).producer;
  const failures = (p: EndpointPeer): number => Object.values(p.stats.srtpFailures).reduce((a, b) => a + (b ?? 0), 0);
  const delta = (before: MediaEndpointStats): Record<string, number> =>
    Object.fromEntries(Object.entries(endpoint.stats).map(([k, v]) => [k, v - before[k as keyof MediaEndpointStats]]).filter(([, v]) => v !== 0));

  /**
   * Sends `count` datagrams from `from`, one of Alice's packets after every 10, in batches the server reads before
   * the next (one process: without the pause the kernel would drop for buffer space and counts would be inexact).
   * Then checks that Bob got every one of Alice's packets, decryptable and in order.
   */
  async function flood(from: WebRtcClient, count: number, make: (i: number) => Buffer): Promise<void> {
    const base = endpoint.stats.datagramsReceived;
    let sent = 0;
    for (let i = 0; i < count; ) {
      for (const end = Math.min(count, i + 10); i < end; i++, sent++) from.send(make(i));
      alice.client.sendRtp(opusRtp(++aliceSeq, ALICE_SSRC, { mid: '0' }));
      sent++;
      healthySent++;
      await until(() => endpoint.stats.datagramsReceived >= base + sent, `the server to read ${sent} datagrams`);
    }
    await until(() => bob.client.received.packets >= healthySent, `Bob to receive ${healthySent} packets`);
    expect(bob.client.received).toMatchObject({ packets: healthySent, decryptFailures: 0, notIncreasing: 0 });
    expect(endpoint.stats.internalErrors).toBe(0);
  }

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
    const certificate = await createDtlsCertificate();
    alice = await joinSfu(endpoint, router, certificate, 'alice', { publish: true });
    bob = await joinSfu(endpoint, router, certificate, 'bob', { subscribeTo: producerOf(alice).id });
    mallory = await joinSfu(endpoint, router, certificate, 'mallory', { publish: true });
    stranger = await WebRtcClient.create(endpoint.address, certificate);
    for (let i = 0; i < 20; i++, healthySent++) alice.client.sendRtp(opusRtp(++aliceSeq, ALICE_SSRC, { mid: '0' }));
    await until(() => bob.client.received.packets === 20, 'the first 20 packets at Bob');
  });

  afterAll(async () => {
    for (const c of [alice, bob, mallory]) c.client.close();
    stranger.close();
    for (const c of [alice, bob, mallory]) c.transport.close();
    await endpoint.close();
  });

  it('STUN with a wrong password for a ufrag we issued: a 401 for each, counted', async () => {
    const before = { ...endpoint.stats };
    const check = bindingRequest(`${peerOf(alice).iceParameters.usernameFragment}:evil`, 'guessed-password-guessed-pw');
    await flood(stranger, N, () => check);
    expect(delta(before)).toMatchObject({ stunUnauthenticated: N });
    await until(() => stranger.inbox.length >= N, `${N} error responses`);
    const last = decodeMessage(stranger.inbox.pop() as Buffer);
    expect([last.cls, readErrorCode(last)?.code]).toEqual(['error', 401]);
    stranger.inbox.length = 0;
    // Alice's pair is untouched: still one address, still selected.
    expect(peerOf(alice).addresses()).toHaveLength(1);
    expect(peerOf(alice).iceState).toBe('connected');
  });

  it('STUN naming a ufrag nobody has: dropped unanswered, counted', async () => {
    const before = { ...endpoint.stats };
    await flood(stranger, N, (i) => bindingRequest(`nobody${i % 50}:evil`, 'some-password-some-password'));
    expect(delta(before)).toMatchObject({ stunUnknownUsername: N });
    expect(await stranger.nextStun(50)).toBeUndefined();
  });

  it('truncated and garbage STUN: counted as malformed', async () => {
    const before = { ...endpoint.stats };
    const good = bindingRequest(`${peerOf(alice).iceParameters.usernameFragment}:cli1`, 'x'.repeat(22));
    const random = prng(1);
    await flood(stranger, N, (i) => {
      if (i % 2 === 0) return good.subarray(0, 1 + (i % (good.length - 1))); // every prefix, header cut short or attributes cut short
      const junk = random(1 + (i % 200));
      junk[0] = (junk[0] as number) & 0x03; // RFC 7983: a STUN first byte
      return junk;
    });
    expect(delta(before)).toMatchObject({ stunMalformed: N });
  });

  it('DTLS records from an address no check authenticated: unknown source', async () => {
    const before = { ...endpoint.stats };
    const random = prng(2);
    await flood(stranger, N, (i) => Buffer.concat([Buffer.from([20 + (i % 44), 0xfe, 0xfd]), random(i % 120)]));
    expect(delta(before)).toMatchObject({ unknownSource: N });
  });

  it('DTLS garbage from an authenticated address reaches its peer, which drops it and keeps its keys', async () => {
    const peer = peerOf(mallory);
    const before = { ...peer.stats };
    const random = prng(3);
    await flood(mallory.client, N, (i) => Buffer.concat([Buffer.from([20 + (i % 4), 0xfe, 0xfd]), random(i % 120)]));
    expect(peer.stats.dtlsDatagrams - before.dtlsDatagrams).toBe(N);
    expect(peer.dtlsState).toBe('connected');
    const rtpIn = mallory.transport.stats.rtpIn;
    mallory.client.sendRtp(opusRtp(1, 0x3a11, { mid: '0' }));
    await until(() => mallory.transport.stats.rtpIn === rtpIn + 1, 'Mallory\'s SRTP still decrypting');
  });

  it('SRTP with a bad authentication tag: AUTH_FAILED each time', async () => {
    const peer = peerOf(mallory);
    const before = peer.stats.srtpFailures.AUTH_FAILED ?? 0;
    await flood(mallory.client, N, (i) => {
      const p = (mallory.client.outbound as NonNullable<WebRtcClient['outbound']>).protectRtp(opusRtp(100 + i, 0x3a12, { mid: '0' }));
      const at = p.length - 1 - (i % 10); // somewhere in the 80-bit tag
      p.writeUInt8(p.readUInt8(at) ^ (1 << (i % 8)), at);
      return p;
    });
    expect((peer.stats.srtpFailures.AUTH_FAILED ?? 0) - before).toBe(N);
  });

  it('random bytes with an RTP first byte: SRTP failures from a peer, unknown source from a stranger', async () => {
    const peer = peerOf(mallory);
    const failed = failures(peer);
    const decrypted = peer.stats.rtpPacketsDecrypted + peer.stats.rtcpPacketsDecrypted;
    const random = prng(4);
    const junk = (i: number): Buffer => {
      const b = random(1 + (i % 300));
      b[0] = 0x80 | ((b[0] as number) & 0x3f);
      return b;
    };
    await flood(mallory.client, N, junk);
    expect(failures(peer) - failed).toBe(N);
    expect(peer.stats.rtpPacketsDecrypted + peer.stats.rtcpPacketsDecrypted).toBe(decrypted);
    const before = { ...endpoint.stats };
    await flood(stranger, N, junk);
    expect(delta(before)).toMatchObject({ unknownSource: N });
  });

  it('valid SRTP from SSRCs no section names: unknownSsrc, nothing reaches a producer', async () => {
    const stats = mallory.transport.stats;
    const before = { ...stats };
    const packets = producerOf(mallory).stats.packets;
    const out = mallory.client.outbound as NonNullable<WebRtcClient['outbound']>;
    await flood(mallory.client, N, (i) => out.protectRtp(opusRtp(1 + Math.floor(i / 100), 0x5000 + (i % 100))));
    expect(stats.unknownSsrc - before.unknownSsrc).toBe(N);
    expect(stats.rtpIn - before.rtpIn).toBe(N);
    expect(producerOf(mallory).stats.packets).toBe(packets);
  });

  it('more than 32 SSRCs that name our mid: the inbound table stops at 32 (ssrcLimit), bound ones keep working', async () => {
    const stats = mallory.transport.stats;
    const producer = producerOf(mallory);
    const before = { ...stats };
    const packets = producer.stats.packets;
    const out = mallory.client.outbound as NonNullable<WebRtcClient['outbound']>;
    // 40 SSRCs × 50 packets; 0x3a11 (bound above) is one of the first, so 32 − 1 new ones fit.
    const ssrcs = [0x3a11, ...Array.from({ length: 39 }, (_, k) => 0x6000 + k)];
    await flood(mallory.client, N, (i) => out.protectRtp(opusRtp(1000 + (i % 50), ssrcs[Math.floor(i / 50)] as number, { mid: '0' })));
    expect(stats.ssrcLimit - before.ssrcLimit).toBe(8 * 50);
    expect(producer.stats.packets - packets).toBe(32 * 50);
    // A bound SSRC still flows; a new one is still refused: the table did not grow past 32.
    mallory.client.sendRtp(opusRtp(2000, 0x6000 + 30, { mid: '0' }));
    mallory.client.sendRtp(opusRtp(2000, 0x6000 + 38, { mid: '0' }));
    await until(() => stats.rtpIn - before.rtpIn === N + 2, 'two more packets');
    expect(stats.ssrcLimit - before.ssrcLimit).toBe(8 * 50 + 1);
    expect(producer.stats.packets - packets).toBe(32 * 50 + 1);
  });

  it('malformed RTCP inside valid SRTCP: rtcpMalformed, no feedback acted on', async () => {
    const feedback = mallory.transport.feedback.stats;
    const before = { ...feedback };
    const decrypted = peerOf(mallory).stats.rtcpPacketsDecrypted;
    const random = prng(5);
    const out = mallory.client.outbound as NonNullable<WebRtcClient['outbound']>;
    const ssrc = Buffer.from([0, 0, 0x3a, 0x11]);
    await flood(mallory.client, N, (i) => {
      const bad = [
        Buffer.concat([Buffer.from([0x80, 201, 0x00, 0x40]), ssrc, random(8)]), // length overruns the datagram
        Buffer.concat([Buffer.from([0x80, 201, 0x00, 0x01]), ssrc, Buffer.from([0x00, 205, 0, 0]), random(3)]), // version 0, then stray bytes
        Buffer.concat([Buffer.from([0xa0, 205, 0x00, 0x02]), ssrc, Buffer.from([0, 0, 0, 0])]), // padding count 0
      ][i % 3] as Buffer;
      return out.protectRtcp(bad);
    });
    expect(peerOf(mallory).stats.rtcpPacketsDecrypted - decrypted).toBe(N);
    expect(feedback.rtcpMalformed - before.rtcpMalformed).toBe(N);
    expect([feedback.nacksIn, feedback.keyframeRequestsIn, feedback.twccIn]).toEqual([before.nacksIn, before.keyframeRequestsIn, before.twccIn]);
  });

  it('after all of it, the flow from Alice to Bob is whole and nothing threw', () => {
    const consumer = bob.transport.consumers()[0];
    expect(consumer?.stats.packetsForwarded).toBe(healthySent);
    expect(bob.client.received).toMatchObject({ packets: healthySent, decryptFailures: 0, notIncreasing: 0 });
    expect(bob.client.received.lastSeq.size).toBe(1);
    expect(peerOf(alice).stats.srtpFailures).toEqual({});
    expect(endpoint.stats.internalErrors).toBe(0);
    expect(router.size).toBe(2);
  });
});
