import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SizeThrottle } from './size-throttle.ts';

describe('SizeThrottle', () => {
  let sent: Array<[string, number, number, number]>;
  let throttle: SizeThrottle;
  beforeEach(() => {
    vi.useFakeTimers({ now: 10_000 });
    sent = [];
    throttle = new SizeThrottle({ send: (k, w, h) => sent.push([k, w, h, Date.now() - 10_000]) });
  });
  afterEach(() => {
    throttle.close();
    vi.useRealTimers();
  });

  it('sends the first size at once, rounded and clamped', () => {
    throttle.update('p1', 639.6, 99999);
    expect(sent).toEqual([['p1', 640, 8192, 0]]);
  });

  it('sends nothing when the size did not change', () => {
    throttle.update('p1', 640, 360);
    vi.advanceTimersByTime(2000);
    throttle.update('p1', 640, 360);
    vi.advanceTimersByTime(2000);
    expect(sent).toHaveLength(1);
  });

  it('sends at most twice a second per key, ending on the latest size', () => {
    for (let i = 0; i < 20; i++) {
      throttle.update('p1', 100 + i, 100);
      vi.advanceTimersByTime(50);
    }
    vi.advanceTimersByTime(1000);
    expect(sent.map((s) => s[3])).toEqual([0, 500, 1000]);
    expect(sent.at(-1)).toEqual(['p1', 119, 100, 1000]);
  });

  it('throttles keys independently', () => {
    throttle.update('a', 1, 1);
    throttle.update('b', 2, 2);
    expect(sent.map((s) => s[0])).toEqual(['a', 'b']);
  });

  it('holds a 0×0 (hidden) back so that a remount cancels it', () => {
    throttle.update('p1', 640, 360);
    vi.advanceTimersByTime(5000);
    throttle.update('p1', 0, 360);
    vi.advanceTimersByTime(300);
    throttle.update('p1', 640, 360);
    vi.advanceTimersByTime(5000);
    expect(sent).toHaveLength(1);
    throttle.update('p1', 0, 0);
    vi.advanceTimersByTime(999);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual(['p1', 0, 0, 11_300]);
  });

  it('forget drops what is pending for a key', () => {
    throttle.update('p1', 1, 1);
    throttle.update('p1', 2, 2);
    throttle.forget('p1');
    vi.advanceTimersByTime(5000);
    expect(sent).toHaveLength(1);
  });
});
