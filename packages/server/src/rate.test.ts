import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate.ts';

describe('TokenBucket', () => {
  it('allows a burst, then refuses', () => {
    const bucket = new TokenBucket(10, 3, () => 0);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('refills continuously at the given rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    for (let i = 0; i < 3; i++) bucket.take();
    now = 50; // half a token
    expect(bucket.take()).toBe(false);
    now = 100; // one token
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    now = 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it('takes a cost at a time (bytes): a cost above what is left is refused whole', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 1500, () => now);
    expect([bucket.take(1000), bucket.take(600), bucket.take(500)]).toEqual([true, false, true]);
    now = 500; // 500 bytes back
    expect([bucket.take(501), bucket.take(500)]).toEqual([false, true]);
  });
});
