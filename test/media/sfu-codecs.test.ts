import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaEndpoint, Router, SfuTransport } from '@parley/media';

/**
 * Codec choice through SfuTransport.negotiate (issue #5 item 2): a producer records the publisher's preferred codec,
 * and a subscriber that cannot decode it gets no consumer but a stable reason the server can report.
 */
const OFFER = readFileSync(new URL('../../packages/media/src/endpoint/fixtures/chrome-156-sfu-offer.sdp', import.meta.url), 'utf8');

/** The fixture with the publishing video section (mid 1) listing VP9 (98) first, as setCodecPreferences makes it. */
const VP9_FIRST = OFFER.replace(/m=video 9 UDP\/TLS\/RTP\/SAVPF 96 97 ([\d ]+)/, (_, rest: string) => `m=video 9 UDP/TLS/RTP/SAVPF 98 99 96 97 ${rest.replace(/\b98 99 /, '')}`);
/** The fixture with every VP9 format of the receiving video section (mid 3) renamed: a browser without VP9. */
const NO_VP9_RECEIVER = OFFER.split(/(?=\r\nm=)/).map((s) => (s.includes('\r\na=mid:3\r\n') ? s.replaceAll('VP9/90000', 'XYZ/90000') : s)).join('');

describe('SFU codec negotiation', () => {
  let endpoint: MediaEndpoint;

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await endpoint.close();
  });

  it('a VP9 producer is consumed by a subscriber offering VP9 and rejected with UNSUPPORTED_CODEC by one without', () => {
    const router = new Router();
    const pub = new SfuTransport({ id: 'pub', ownerId: 'alice', endpoint, router });
    const published = pub.negotiate(VP9_FIRST, new Map([['1', { source: 'camera' }]]), new Map());
    const producer = published.added[0]!.producer;
    expect([producer.codec, producer.fmtp, producer.rids]).toEqual(['VP9', 'profile-id=0', ['q', 'h', 'f']]);
    expect(published.sdp).toContain('a=rtpmap:98 VP9/90000');

    const able = new SfuTransport({ id: 'able', ownerId: 'bob', endpoint, router });
    const ok = able.negotiate(OFFER, new Map(), new Map([['3', producer.id]]));
    expect(ok.rejected).toEqual([]);
    expect(able.consumers().map((c) => c.producer)).toEqual([producer]);

    const unable = new SfuTransport({ id: 'unable', ownerId: 'carol', endpoint, router });
    const refused = unable.negotiate(NO_VP9_RECEIVER, new Map(), new Map([['3', producer.id]]));
    expect(refused.rejected).toEqual([{ mid: '3', producerId: producer.id, code: 'UNSUPPORTED_CODEC', message: expect.stringContaining('VP9') }]);
    expect(unable.consumers()).toEqual([]);
    expect(refused.sdp.split('\r\nm=')[4]).toContain('a=inactive');
    for (const t of [pub, able, unable]) t.close();
  });
});
