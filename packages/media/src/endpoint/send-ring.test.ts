import { describe, expect, it } from 'vitest';
import { SendRing } from './send-ring.ts';

describe('SendRing', () => {
  it('hands out aligned slices of one slab with their tail room, and reuses it when it wraps', () => {
    const ring = new SendRing(4096);
    const a = ring.alloc(1001, 16);
    const b = ring.alloc(1200, 16);
    expect(a.length).toBe(1001);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset % 8).toBe(0);
    // The tail room is not handed to the next packet: b starts after a's 1001 + 16 bytes.
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 1017);
    ring.alloc(1200, 16);
    const wrapped = ring.alloc(1200, 16); // 4096 cannot hold a fourth: back to the start of the same slab
    expect(wrapped.buffer).toBe(a.buffer);
    expect(wrapped.byteOffset).toBe(a.byteOffset);
  });

  it('retire starts a new slab, leaving the old one to whoever still holds it', () => {
    const ring = new SendRing(4096);
    const held = ring.alloc(100);
    held.fill(7);
    ring.retire();
    const next = ring.alloc(100);
    next.fill(9);
    expect(next.buffer).not.toBe(held.buffer);
    expect(held.every((b) => b === 7)).toBe(true);
    expect(ring.retired).toBe(1);
  });

  it('gives a packet larger than the slab memory of its own', () => {
    const ring = new SendRing(1024);
    const big = ring.alloc(2000, 16);
    expect(big.length).toBe(2000);
    expect(big.buffer.byteLength).toBeGreaterThanOrEqual(2016);
  });
});
