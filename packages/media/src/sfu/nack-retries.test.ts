import { describe, expect, it } from 'vitest';
import { NackRetries } from './nack-retries.ts';

describe('NackRetries', () => {
  it('before any answer, asks again every 50 ms until the packet arrives or four asks were made; gives up a second after the first', () => {
    const r = new NackRetries();
    r.add(7, 100, 0);
    r.add(7, 101, 0);
    expect(r.nextDueIn(0)).toBe(50);
    expect(r.due(30)).toEqual(new Map());
    expect(r.due(50)).toEqual(new Map([[7, [100, 101]]]));
    r.received(7, 101, 55);
    expect(r.due(100)).toEqual(new Map([[7, [100]]]));
    expect(r.due(150)).toEqual(new Map([[7, [100]]]));
    // Fourth ask made: no more asks, but an answer can still come until a second after the first ask.
    expect(r.due(200)).toEqual(new Map());
    expect(r.size).toBe(1);
    expect(r.nextDueIn(200)).toBe(800);
    const given: number[] = [];
    expect(r.due(999, (_, seq) => given.push(seq))).toEqual(new Map());
    expect(r.givenUp).toBe(0);
    expect(r.due(1000, (_, seq) => given.push(seq))).toEqual(new Map());
    expect(given).toEqual([100]);
    expect(r.size).toBe(0);
    expect(r.nextDueIn(1000)).toBeUndefined();
    expect(r.givenUp).toBe(1);
  });

  it('counts a packet that arrives after it was given up', () => {
    const r = new NackRetries();
    r.add(7, 100, 0);
    for (const t of [50, 100, 150, 1000]) r.due(t);
    expect(r.givenUp).toBe(1);
    r.received(7, 100, 1200);
    r.received(7, 100, 1201); // once only
    expect(r.lateAfterGivingUp).toBe(1);
  });

  it('times first answers and asks again after 1.5 × their smoothed time + 5 ms, within 10–150 ms', () => {
    const fast = new NackRetries();
    fast.add(1, 1, 0);
    fast.received(1, 1, 2); // answered in 2 ms
    expect(fast.intervalMs).toBe(10);
    fast.add(1, 2, 100);
    expect(fast.due(109)).toEqual(new Map());
    expect(fast.due(110)).toEqual(new Map([[1, [2]]]));
    // A late answer to a repeated ask says nothing about the publisher's answer time.
    fast.received(1, 2, 400);
    expect(fast.intervalMs).toBe(10);

    const slow = new NackRetries();
    slow.add(1, 1, 0);
    slow.received(1, 1, 60);
    expect(slow.intervalMs).toBe(95);
    for (let i = 0; i < 50; i++) {
      slow.add(1, 10 + i, 1000 * i);
      slow.received(1, 10 + i, 1000 * i + 400);
    }
    expect(slow.intervalMs).toBe(150);
  });

  it('nextDueIn follows the oldest outstanding ask', () => {
    const r = new NackRetries();
    r.add(1, 1, 0);
    r.add(1, 2, 30);
    expect(r.nextDueIn(10)).toBe(40);
    r.received(1, 1, 20);
    expect(r.nextDueIn(20)).toBeCloseTo(1.5 * 20 + 5 + 30 - 20);
  });

  it('stays bounded', () => {
    const r = new NackRetries(4);
    for (let seq = 0; seq < 100; seq++) r.add(1, seq, 0);
    expect(r.size).toBe(4);
  });
});
