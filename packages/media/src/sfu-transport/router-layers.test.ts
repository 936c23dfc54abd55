import { describe, expect, it } from 'vitest';
import { Consumer } from '../sfu/consumer.ts';
import { Producer } from '../sfu/producer.ts';
import { LAYER_DROP_DELAY_MS, Router } from './router.ts';

/** A simulcast camera, a router that records every `layersWanted`, and subscribers whose preferred layer the test sets. */
function setup() {
  let now = 0;
  const told: string[][] = [];
  const router = new Router({ now: () => now, onLayersWanted: (_routed, rids) => told.push(rids) });
  const producer = new Producer({ id: 'cam', kind: 'video', codec: 'VP8', clockRate: 90_000, payloadType: 96, rids: ['q', 'h', 'f'], requestKeyframe: () => {}, now: () => now });
  router.add({ producer, ownerId: 'ben', mid: '1', source: 'camera', streamId: 'ben' });
  const subscribe = (id: string, preferred: number | undefined): Consumer => {
    const consumer = new Consumer({ id, producer, ssrc: 1000 + told.length, payloadType: 96, send: () => {} });
    router.addConsumer(consumer);
    router.setPreferred(consumer, preferred);
    return consumer;
  };
  const tick = (ms: number) => {
    now += ms;
    router.tick(now);
  };
  return { router, told, subscribe, tick };
}

describe('Router: which simulcast layers publishers send', () => {
  it('turns a layer on at once and off only after nobody has wanted it for a while', () => {
    const { router, told, subscribe, tick } = setup();
    const ann = subscribe('ann', 2);
    tick(250);
    expect(told).toEqual([['q', 'h', 'f']]);
    // Ann's tile shrinks to the middle layer: the full one stays on for LAYER_DROP_DELAY_MS.
    router.setPreferred(ann, 1);
    tick(250);
    tick(LAYER_DROP_DELAY_MS - 500);
    expect(told).toHaveLength(1);
    tick(500);
    expect(told.at(-1)).toEqual(['q', 'h']);
    // Back up: at once.
    router.setPreferred(ann, 2);
    tick(250);
    expect(told.at(-1)).toEqual(['q', 'h', 'f']);
  });

  it('forgets a drop that was taken back before the delay (a tile hidden for a moment, a switch to the MCU and back)', () => {
    const { router, told, subscribe, tick } = setup();
    const ann = subscribe('ann', 2);
    tick(250);
    router.setPreferred(ann, undefined); // hidden
    tick(LAYER_DROP_DELAY_MS - 1000);
    router.setPreferred(ann, 2);
    tick(250);
    tick(LAYER_DROP_DELAY_MS);
    expect(told).toEqual([['q', 'h', 'f']]);
  });
});
