import { describe, expect, it } from 'vitest';
import { Router, SfuTransport, type Consumer, type Producer } from '@parley/media';
import { useLoopbackEndpoint } from './endpoint-fixture.ts';
import { memoryAfterGc } from './memory.ts';
import { WebRtcClient, joinSfu, opusRtp, until, type Joined } from './webrtc-client.ts';

/**
 * The SFU frees what it allocates (issue #5 item 7): transports, peers, producers and consumers go away with the
 * participants, a publisher that vanishes takes its consumers with it, and a subscriber that cannot receive does
 * not make the server hold packets for it.
 */

/** Active handles and requests by type ('UDPWrap', 'Timeout', …). */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

const producerOf = (j: Joined): Producer => (j.transport.producers()[0] as { producer: Producer }).producer;
const MB = 1024 * 1024;

describe('SFU resources', () => {
  const media = useLoopbackEndpoint();

  /** A publisher and its subscriber, 30 packets through, then both gone in the given order. */
  async function pairLifetime(router: Router, k: number, publisherFirst: boolean): Promise<{ consumer: Consumer; transports: SfuTransport[] }> {
    const pub = await joinSfu(media.endpoint, router, media.certificate, `pub${k}`, { publish: true });
    const sub = await joinSfu(media.endpoint, router, media.certificate, `sub${k}`, { subscribeTo: producerOf(pub).id });
    for (let seq = 1; seq <= 30; seq++) pub.client.sendRtp(opusRtp(seq, 0x1000 + k, { mid: '0' }));
    await until(() => sub.client.received.packets === 30, `30 packets through pair ${k}`);
    const consumer = sub.transport.consumers()[0] as Consumer;
    for (const j of publisherFirst ? [pub, sub] : [sub, pub]) {
      j.client.close();
      j.transport.close();
    }
    return { consumer, transports: [pub.transport, sub.transport] };
  }

  it('60 publisher/subscriber pairs come and go: router, endpoint, heap and handles return to their baseline', async () => {
    const router = new Router();
    // Warm-up: modules, JIT, werift's lazily built tables; then werift's last flight timer (≤ 1 s) runs out.
    for (let k = 0; k < 5; k++) await pairLifetime(router, 1000 + k, k % 2 === 0);
    await new Promise((r) => setTimeout(r, 1500));
    const baseHandles = JSON.stringify(Object.fromEntries(resources()));
    const baseMemory = memoryAfterGc();

    const round = async (first: number): Promise<number> => {
      const ended: Array<{ consumer: Consumer; transports: SfuTransport[] }> = [];
      for (let k = first; k < first + 30; k++) ended.push(await pairLifetime(router, k, k % 2 === 0));
      expect([router.size, router.consumerCount(), media.endpoint.peerCount]).toEqual([0, 0, 0]);
      for (const { consumer, transports } of ended) {
        expect(consumer.closed).toBe(true);
        for (const t of transports) expect([t.closed, t.peer, t.producers().length, t.consumers().length]).toEqual([true, undefined, 0, 0]);
      }
      ended.length = 0;
      // werift's DTLS flights wait up to 1 s before they see that the handshake finished.
      await until(() => JSON.stringify(Object.fromEntries(resources())) === baseHandles, 'active handles back to the baseline', 5000).catch(() => undefined);
      expect(JSON.stringify(Object.fromEntries(resources()))).toBe(baseHandles);
      return memoryAfterGc();
    };
    const afterFirst = await round(1);
    const afterSecond = await round(31);
    console.info(`pairs: memory +${((afterFirst - baseMemory) / MB).toFixed(2)} MB after 30, +${((afterSecond - afterFirst) / MB).toFixed(2)} MB for 30 more; handles ${baseHandles}`);
    // Holding on to each ended pair costs ~50 kB (measured by keeping them): 30 leaked pairs would add 1.5 MB.
    expect(afterFirst - baseMemory).toBeLessThan(3 * MB);
    expect(afterSecond - afterFirst).toBeLessThan(1 * MB);
  });

  it('a publisher that vanishes (socket closed, then its transport on session expiry) frees its producer and every consumer of it', async () => {
    const router = new Router();
    const pub = await joinSfu(media.endpoint, router, media.certificate, 'ghost', { publish: true });
    const subs = [
      await joinSfu(media.endpoint, router, media.certificate, 'watcher1', { subscribeTo: producerOf(pub).id }),
      await joinSfu(media.endpoint, router, media.certificate, 'watcher2', { subscribeTo: producerOf(pub).id }),
    ];
    for (let seq = 1; seq <= 20; seq++) pub.client.sendRtp(opusRtp(seq, 0x9000, { mid: '0' }));
    await until(() => subs.every((s) => s.client.received.packets === 20), 'media at both subscribers');
    const producer = producerOf(pub);
    const consumers = subs.map((s) => s.transport.consumers()[0] as Consumer);
    expect([router.size, router.consumerCount(), media.endpoint.peerCount]).toEqual([1, 2, 3]);

    pub.client.close(); // no goodbye: the browser crashed
    await new Promise((r) => setTimeout(r, 200));
    expect(producer.closed).toBe(false); // nothing on the media plane can tell yet
    const removed = pub.transport.close(); // what the server does when the session expires

    expect(removed.map((r) => r.producer)).toEqual([producer]);
    expect([producer.closed, producer.cacheSize]).toEqual([true, 0]);
    expect(consumers.map((c) => c.closed)).toEqual([true, true]);
    // Their onClose ran: the subscriber transports and the router forgot them.
    expect(subs.map((s) => s.transport.consumers().length)).toEqual([0, 0]);
    expect([router.size, router.consumerCount(), media.endpoint.peerCount]).toEqual([0, 0, 2]);
    expect(subs.map((s) => s.transport.peer?.dtlsState)).toEqual(['connected', 'connected']);
    expect(media.endpoint.stats.internalErrors).toBe(0);
    for (const s of subs) {
      s.client.close();
      s.transport.close();
    }
    expect(media.endpoint.peerCount).toBe(0);
  });

  it('an authenticated peer spraying 20 000 SSRCs no section names: dropped, and no state kept for them', async () => {
    const router = new Router();
    const spray = await joinSfu(media.endpoint, router, media.certificate, 'spray', { publish: true });
    const out = spray.client.outbound as NonNullable<WebRtcClient['outbound']>;
    const send = async (first: number, count: number): Promise<void> => {
      const base = media.endpoint.stats.datagramsReceived;
      for (let sent = 0; sent < count; ) {
        for (let i = 0; i < 25; i++, sent++) {
          const ssrc = 0x1_0000 + first + sent;
          spray.client.send(out.protectRtp(opusRtp(1, ssrc, { size: 20 })));
          out.deleteSsrc(ssrc); // the sender's own context must not be what grows in this process
        }
        await until(() => media.endpoint.stats.datagramsReceived >= base + sent, 'the server to read the batch');
      }
    };
    await send(0, 1000);
    const before = memoryAfterGc();
    await send(1000, 20_000);
    const growth = memoryAfterGc() - before;
    console.info(`20 000 unknown SSRCs: memory growth ${(growth / MB).toFixed(2)} MB`);
    expect(spray.transport.stats.unknownSsrc).toBe(21_000);
    expect(growth).toBeLessThan(1 * MB);
    spray.client.close();
    spray.transport.close();
  });

  it('subscribers that cannot receive (socket closed, or never connected) hold no packets while 20 000 arrive', async () => {
    const router = new Router();
    const pub = await joinSfu(media.endpoint, router, media.certificate, 'talker', { publish: true });
    const gone = await joinSfu(media.endpoint, router, media.certificate, 'gone', { subscribeTo: producerOf(pub).id });
    gone.client.close();
    // A subscriber whose answer went out but whose browser never sent a check: no address, no keys.
    const silent = new SfuTransport({ id: 't-silent', ownerId: 'silent', endpoint: media.endpoint, router });
    const silentClient = await WebRtcClient.create(media.endpoint.address, media.certificate);
    silent.negotiate(silentClient.offer(), new Map(), new Map([['2', producerOf(pub).id]]));
    silentClient.close();
    const [goneConsumer, silentConsumer] = [gone.transport.consumers()[0] as Consumer, silent.consumers()[0] as Consumer];

    let seq = 0;
    const send = async (count: number): Promise<void> => {
      const base = media.endpoint.stats.datagramsReceived;
      for (let sent = 0; sent < count; ) {
        for (let i = 0; i < 25; i++, sent++) pub.client.sendRtp(opusRtp(++seq, 0x7000, { mid: '0', size: 1000 }));
        await until(() => media.endpoint.stats.datagramsReceived >= base + sent, 'the server to read the batch');
      }
    };
    await send(2000); // warm-up: the producer's packet cache (512) fills
    const before = memoryAfterGc();
    const started = performance.now();
    await send(20_000);
    const seconds = (performance.now() - started) / 1000;
    const growth = memoryAfterGc() - before;
    console.info(`20 000 packets of 1 kB in ${seconds.toFixed(1)} s: memory growth ${(growth / MB).toFixed(2)} MB; socketErrors ${media.endpoint.stats.socketErrors}`);

    expect(producerOf(pub).stats.packets).toBe(22_000);
    expect(goneConsumer.stats.packetsForwarded).toBe(22_000);
    expect(gone.transport.stats.rtpOut).toBe(22_000); // sent into the void: UDP, nothing kept
    expect(silentConsumer.stats.packetsForwarded).toBe(22_000);
    expect(silent.stats.notConnected).toBe(22_000); // dropped at once, no queue until keys exist
    expect(producerOf(pub).cacheSize).toBeLessThanOrEqual(512);
    // 20 MB went through; holding even a tenth of it would show.
    expect(growth).toBeLessThan(2 * MB);
    for (const t of [pub.transport, gone.transport, silent]) t.close();
    pub.client.close();
    expect([router.size, router.consumerCount(), media.endpoint.peerCount]).toEqual([0, 0, 0]);
  });
});
