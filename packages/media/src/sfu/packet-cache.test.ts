import { describe, expect, it } from 'vitest';
import { PacketCache } from './packet-cache.ts';

describe('PacketCache', () => {
  it('returns a stored packet by sequence number, by reference', () => {
    const cache = new PacketCache(8);
    const a = Buffer.from([1]);
    cache.put(100, a);
    expect(cache.get(100)).toBe(a);
    expect(cache.get(101)).toBeUndefined();
    expect(cache.size).toBe(1);
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
