import { describe, expect, it } from 'vitest';
import { parseRtp } from '../rtp.ts';
import { fakeClock, rtp } from '../sfu/packets.test-helper.ts';
import { Producer } from '../sfu/producer.ts';
import { SlotConsumer } from '../sfu/slot-consumer.ts';
import { Router } from './router.ts';

const LEVEL_EXT = 1;

function setup(count = 2) {
  const clock = fakeClock();
  const told: Array<[string, Array<string | null>]> = [];
  const router = new Router({ now: clock.now, audioSlots: count, onAudioSlots: (id, slots) => told.push([id, slots]) });
  const producers = new Map<string, Producer>();
  const publish = (owner: string): Producer => {
    const producer = new Producer({ id: `${owner}-mic`, kind: 'audio', codec: 'opus', clockRate: 48_000, payloadType: 111, audioLevelExtensionId: LEVEL_EXT, requestKeyframe: () => {}, now: clock.now });
    router.add({ producer, ownerId: owner, mid: '0', source: 'microphone', streamId: owner });
    producers.set(owner, producer);
    return producer;
  };
  const heard = new Map<string, string[][]>();
  const listen = (owner: string): SlotConsumer[] => {
    const slots = Array.from({ length: count }, (_, i) => new SlotConsumer({ id: `${owner}-${i}`, ssrc: 100 + i, payloadType: 111, send: (p) => {
      const per = heard.get(owner) ?? Array.from({ length: count }, () => []);
      heard.set(owner, per);
      per[i]?.push(parseRtp(p).payload.toString());
    } }));
    router.setSlots(owner, slots);
    return slots;
  };
  let seq = 0;
  /** 300 ms of 20 ms packets from everyone at their level (−dBov), then a router tick. */
  const speak = (levels: Record<string, number>): void => {
    for (let n = 0; n < 15; n++) {
      seq++;
      for (const [owner, level] of Object.entries(levels)) {
        producers.get(owner)?.receive(rtp({ ssrc: owner.charCodeAt(0), seq, ts: seq * 960, pt: 111, payload: Buffer.from(owner), extensions: new Map([[LEVEL_EXT, Buffer.from([0x80 | level])]]) }), 0);
      }
      clock.advance(20);
    }
    router.tick();
  };
  const lastHeard = (owner: string): string[] => (heard.get(owner) ?? []).map((list) => list.at(-1) ?? '');
  return { router, told, publish, listen, speak, lastHeard, heard, clock };
}

describe('AudioSlotRouting (through Router)', () => {
  it('fills each subscriber’s slots with the loudest speakers, never their own voice', () => {
    const { publish, listen, speak, lastHeard, told } = setup(2);
    for (const id of ['a', 'b', 'c', 'd']) publish(id);
    listen('a');
    listen('z'); // a listener who publishes nothing
    speak({ a: 10, b: 20, c: 30, d: 90 });
    speak({ a: 10, b: 20, c: 30, d: 90 });
    expect(lastHeard('z').sort()).toEqual(['a', 'b']);
    expect(lastHeard('a').sort()).toEqual(['b', 'c']);
    expect(told.filter(([id]) => id === 'a').at(-1)?.[1].slice().sort()).toEqual(['b', 'c']);
    expect(told.filter(([id]) => id === 'z').at(-1)?.[1].slice().sort()).toEqual(['a', 'b']);
  });

  it('moves a slot to a new loud speaker and keeps the other in place', () => {
    const { publish, listen, speak, lastHeard, told } = setup(2);
    for (const id of ['a', 'b', 'c']) publish(id);
    listen('z');
    for (let i = 0; i < 4; i++) speak({ a: 20, b: 30, c: 100 });
    const before = told.at(-1)?.[1] ?? [];
    expect([...before].sort()).toEqual(['a', 'b']);
    for (let i = 0; i < 4; i++) speak({ a: 20, b: 100, c: 10 });
    const after = told.at(-1)?.[1] ?? [];
    expect(after[before.indexOf('a')]).toBe('a');
    expect(after[before.indexOf('b')]).toBe('c');
    expect(lastHeard('z')[before.indexOf('b')]).toBe('c');
  });

  it('tells a subscriber its slots at once, and frees slots when a publisher leaves', () => {
    const { router, publish, listen, told } = setup(2);
    publish('a');
    listen('z');
    expect(told).toEqual([['z', ['a', null]]]);
    router.remove('a-mic');
    expect(told.at(-1)).toEqual(['z', [null, null]]);
    expect(router.loudest()).toEqual([]);
    router.setSlots('z', []);
    publish('b');
    router.tick();
    expect(told).toHaveLength(2);
  });

  it('refuses slots in a room without them', () => {
    expect(() => new Router().setSlots('a', [])).toThrow(TypeError);
  });
});
