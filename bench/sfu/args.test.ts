import { describe, expect, it } from 'vitest';
import { parseSfuArgs } from './args.ts';

describe('parseSfuArgs', () => {
  it('defaults to both targets, 2 publishers, 20 subscribers in 4 processes, AES-CM', () => {
    expect(parseSfuArgs([])).toMatchObject({ only: ['parley', 'janus'], publishers: 2, subscribers: 20, processes: 4, windowS: 10, profiles: ['AES_CM_128_HMAC_SHA1_80'] });
  });

  it('applies presets, then explicit flags', () => {
    expect(parseSfuArgs(['--quick', '--subscribers=12', '--only=janus', '--srtp=gcm', '--steps='])).toMatchObject({ only: ['janus'], subscribers: 12, processes: 2, steps: [], profiles: ['AEAD_AES_128_GCM'] });
    expect(parseSfuArgs(['--long']).steps.length).toBeGreaterThan(5);
  });

  it('rejects unknown flags, targets and out-of-range numbers', () => {
    expect(() => parseSfuArgs(['--nope'])).toThrow(/unknown flag/);
    expect(() => parseSfuArgs(['x'])).toThrow(/unknown argument/);
    expect(() => parseSfuArgs(['--only=mediasoup'])).toThrow(/unknown target/);
    expect(() => parseSfuArgs(['--subscribers=0'])).toThrow(/1–500/);
    expect(() => parseSfuArgs(['--steps=1,2,x'])).toThrow(/integer/);
    expect(() => parseSfuArgs(['--srtp=aes'])).toThrow(/cm or gcm/);
  });
});
