import { describe, expect, it } from 'vitest';
import { nextTopology } from './topology.ts';

describe('nextTopology', () => {
  it('keeps fixed policies', () => {
    expect(nextTopology('mesh', 'mesh', 40, 3)).toBe('mesh');
    expect(nextTopology('sfu', 'sfu', 1, 3)).toBe('sfu');
  });

  it('switches an auto room to the SFU when participant meshMax + 1 joins', () => {
    expect(nextTopology('auto', 'mesh', 3, 3)).toBe('mesh');
    expect(nextTopology('auto', 'mesh', 4, 3)).toBe('sfu');
  });

  it('returns to mesh at meshMax or fewer, only after a delay (hysteresis)', () => {
    expect(nextTopology('auto', 'sfu', 4, 3)).toBe('sfu');
    expect(nextTopology('auto', 'sfu', 3, 3)).toBe('return-later');
    expect(nextTopology('auto', 'mesh', 3, 3)).toBe('mesh');
  });
});
