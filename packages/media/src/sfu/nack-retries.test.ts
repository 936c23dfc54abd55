import { describe, expect, it } from 'vitest';
import { NackRetries } from './nack-retries.ts';

describe('NackRetries', () => {
  it('asks again every interval until the packet arrives or three asks were made', () => {
    const r = new NackRetries();
    r.add(7, 100, 0);
    r.add(7, 101, 0);
    expect(r.due(30)).toEqual(new Map());
    expect(r.due(60)).toEqual(new Map([[7, [100, 101]]]));
    r.received(7, 101);
    expect(r.due(120)).toEqual(new Map([[7, [100]]]));
    // Third ask made: given up, forgotten.
    expect(r.due(180)).toEqual(new Map());
    expect(r.size).toBe(0);
  });

  it('stays bounded', () => {
    const r = new NackRetries(4);
    for (let seq = 0; seq < 100; seq++) r.add(1, seq, 0);
    expect(r.size).toBe(4);
  });
});
