import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaEndpoint, Router, SfuTransport } from '@parley/media';

/**
 * A subscriber's tile size (`sfuPreference`) belongs to its subscription: after it unsubscribes (its client took the
 * MCU downlink and hid the tiles, reporting 0×0) and subscribes again, the new consumer must not inherit "hidden", or
 * the SFU sends it no video and the client's switch back waits for frames that never come.
 */
const OFFER = readFileSync(new URL('../../packages/media/src/endpoint/fixtures/chrome-156-sfu-offer.sdp', import.meta.url), 'utf8');

describe('SFU tile-size preferences', () => {
  let endpoint: MediaEndpoint;

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await endpoint.close();
  });

  it('end with the subscription, and survive renegotiations that keep it', () => {
    const router = new Router();
    const pub = new SfuTransport({ id: 'pub', ownerId: 'alice', endpoint, router });
    const producer = pub.negotiate(OFFER, new Map([['1', { source: 'camera' }]]), new Map()).added[0]!.producer;
    const sub = new SfuTransport({ id: 'sub', ownerId: 'bob', endpoint, router });
    sub.negotiate(OFFER, new Map(), new Map([['3', producer.id]]));
    expect(sub.setPreference(producer.id, 0, 0)).toBe(true);
    // The same subscription negotiated again (an ICE restart, another track added): the size stays.
    sub.negotiate(OFFER, new Map(), new Map([['3', producer.id]]));
    expect(sub.preferenceOf(producer.id)).toEqual({ width: 0, height: 0 });
    // Unsubscribed, then subscribed again: no size until the client reports one.
    sub.negotiate(OFFER, new Map(), new Map());
    expect(sub.consumers()).toEqual([]);
    expect(sub.setPreference(producer.id, 320, 180)).toBe(false);
    sub.negotiate(OFFER, new Map(), new Map([['3', producer.id]]));
    expect(sub.consumers().map((c) => c.producer)).toEqual([producer]);
    expect(sub.preferenceOf(producer.id)).toBeUndefined();
    for (const t of [pub, sub]) t.close();
  });
});
