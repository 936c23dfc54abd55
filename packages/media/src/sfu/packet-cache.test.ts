import { describe, expect, it } from 'vitest';
import { PacketCache } from './packet-cache.ts';

describe('PacketCache', () => {
  it('returns a copy of a stored packet by sequence number: the caller may reuse its buffer', () => {
    const cache = new PacketCache(8);
    const a = Buffer.from([1, 2, 3]);
    cache.put(100, a);
    a.fill(0);
    expect([...cache.get(100)!]).toEqual([1, 2, 3]);
    expect(cache.has(100)).toBe(true);
    expect(cache.get(101)).toBeUndefined();
    expect(cache.has(101)).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('grows its ring to hold the last `capacity` full-size packets, keeping every one intact', () => {
    const cache = new PacketCache(64);
    const packet = (seq: number) => Buffer.alloc(1200 + (seq % 7), seq & 0xff);
    for (let seq = 0; seq < 300; seq++) {
      cache.put(seq, packet(seq));
      for (const back of [0, 1, 31, 63]) {
        if (seq - back < 0) continue;
        expect(cache.get(seq - back)?.equals(packet(seq - back)), `seq ${seq - back} after put ${seq}`).toBe(true);
      }
    }
    expect(cache.get(300 - 65)).toBeUndefined();
    expect(cache.ringBytes).toBeLessThanOrEqual(64 * 1500);
    expect(cache.ringBytes).toBeGreaterThanOrEqual(64 * 1206);
  });

  it('a small-packet stream keeps a small ring', () => {
    const cache = new PacketCache(512);
    for (let seq = 0; seq < 5000; seq++) cache.put(seq & 0xffff, Buffer.alloc(100, seq & 0xff));
    expect(cache.ringBytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.get(4999)?.[0]).toBe(4999 & 0xff);
    expect(cache.get(4999 - 511)?.[0]).toBe((4999 - 511) & 0xff);
  });

  it('does not keep a packet over 1,500 bytes, and forgets what its slot held', () => {
    const cache = new PacketCache(4);
    cache.put(1, Buffer.alloc(10));
    cache.put(5, Buffer.alloc(1501));
    expect(cache.get(5)).toBeUndefined();
    expect(cache.get(1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('late (out-of-order) packets are kept beside newer ones', () => {
    const cache = new PacketCache(16);
    for (const seq of [1, 2, 4, 5, 3]) cache.put(seq, Buffer.from([seq]));
    for (const seq of [1, 2, 3, 4, 5]) expect(cache.get(seq)?.[0]).toBe(seq);
  });

  it('forgets a packet once its slot is reused by a later sequence number', () => {
    const cache = new PacketCache(4);
    for (let seq = 0; seq < 6; seq++) cache.put(seq, Buffer.from([seq]));
    expect(cache.get(0)).toBeUndefined(); // slot 0 now holds 4
    expect(cache.get(1)).toBeUndefined();
    expect(cache.get(4)?.[0]).toBe(4);
    expect(cache.get(5)?.[0]).toBe(5);
    expect(cache.size).toBe(4);
  });

  it('works across the 16-bit wrap', () => {
    const cache = new PacketCache(4);
    cache.put(65535, Buffer.from([9]));
    cache.put(0, Buffer.from([10]));
    expect(cache.get(65535)?.[0]).toBe(9);
    expect(cache.get(0)?.[0]).toBe(10);
    expect(cache.get(65539 & 0xffff)).toBeUndefined(); // 3: never stored
  });

  it('clear empties every slot', () => {
    const cache = new PacketCache();
    for (let seq = 0; seq < 600; seq++) cache.put(seq, Buffer.alloc(1));
    expect(cache.size).toBe(512);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get(599)).toBeUndefined();
  });

  it('rejects a capacity that is not a power of two', () => {
    expect(() => new PacketCache(100)).toThrow(RangeError);
    expect(() => new PacketCache(0)).toThrow(RangeError);
    expect(() => new PacketCache(1 << 17)).toThrow(RangeError);
  });
});
