import { describe, expect, it } from 'vitest';
import { SerialSkips } from './serial-skips.ts';

describe('SerialSkips', () => {
  it('counts the left-out numbers before a number, across the wrap of a 15-bit space', () => {
    const s = new SerialSkips(0x7fff);
    s.reset(0x7ffd);
    s.skip(0x7ffe);
    s.skip(1); // after the wrap
    expect(s.before(0x7fff)).toBe(1);
    expect(s.before(2)).toBe(2);
    expect(s.before(0)).toBe(1); // reordered: only 0x7ffe is before it
    expect(s.has(1)).toBe(true);
    expect(s.has(0)).toBe(false);
    s.skip(0x7ffc); // before the anchor: nothing forwarded comes before it
    expect(s.count).toBe(2);
  });

  it('cannot place a number older than everything it remembers', () => {
    const s = new SerialSkips();
    s.reset(0);
    for (let v = 10; v < 210; v += 2) s.skip(v); // 100 left out, the last 64 remembered (82–208)
    expect(s.before(501)).toBe(100);
    expect(s.before(151)).toBe(71);
    expect(s.before(5)).toBe(-1);
  });
});
