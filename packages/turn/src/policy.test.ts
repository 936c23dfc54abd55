import { describe, expect, it } from 'vitest';
import { PeerAddressPolicy } from './policy.ts';
import { AllocationQuota, TokenBucket } from './quota.ts';
import { NonceIssuer, RestSecretCredentials, StaticUsers, CombinedCredentials, restPassword } from './credentials.ts';

describe('PeerAddressPolicy', () => {
  it('refuses loopback, private, link-local, multicast and unspecified addresses by default', () => {
    const p = new PeerAddressPolicy();
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.5', '192.168.0.1', '100.64.0.1', '169.254.1.1', '224.0.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(p.check(ip), ip).toBe('deny');
    }
    for (const ip of ['8.8.8.8', '198.51.100.7', '2606:4700::1', '::ffff:8.8.8.8']) expect(p.check(ip), ip).toBe('allow');
  });

  it('lets allow-lists open ranges, but never the server’s own service endpoints', () => {
    const p = new PeerAddressPolicy({ allow: ['127.0.0.0/8', '10.1.0.0/16'], ownAddresses: ['127.0.0.1'], protectedEndpoints: [{ address: '127.0.0.1', port: 3478 }, { address: '*', port: 8080 }] });
    expect(p.check('127.0.0.1', 5000)).toBe('allow');
    expect(p.check('10.1.2.3')).toBe('allow');
    expect(p.check('10.2.0.1')).toBe('deny');
    expect(p.check('127.0.0.1', 3478)).toBe('deny');
    expect(p.check('127.0.0.1', 8080)).toBe('deny');
  });

  it('refuses its own addresses, except another client’s relayed address', () => {
    const p = new PeerAddressPolicy({ ownAddresses: ['203.0.113.5'], relayAddresses: ['203.0.113.9'], relayPortRange: { min: 49152, max: 65535 } });
    expect(p.check('203.0.113.5')).toBe('deny');
    expect(p.check('203.0.113.9', 22)).toBe('deny');
    expect(p.check('203.0.113.9', 50000)).toBe('allow');
    p.addOwnAddress('203.0.113.6');
    expect(p.check('203.0.113.6')).toBe('deny');
  });

  it('throws TypeError on a bad CIDR', () => {
    expect(() => new PeerAddressPolicy({ allow: ['10.0.0.0/33'] })).toThrow(TypeError);
    expect(() => new PeerAddressPolicy({ deny: ['nope'] })).toThrow(TypeError);
  });
});

describe('credentials', () => {
  it('derives REST passwords like coturn use-auth-secret and refuses expired usernames', () => {
    let now = 1_000_000_000_000;
    const rest = new RestSecretCredentials('s3cret', { now: () => now });
    const user = `${now / 1000 + 60}:alice`;
    expect(rest.lookup(user)).toEqual({ password: restPassword('s3cret', user), quotaKey: 'alice' });
    expect(rest.lookup('alice')).toBeUndefined();
    now += 61_000;
    expect(rest.lookup(user)).toBeUndefined();
    expect(() => new RestSecretCredentials('')).toThrow(TypeError);
  });

  it('combines static users with REST credentials', () => {
    const c = new CombinedCredentials([new StaticUsers({ bob: 'pw' }), new RestSecretCredentials('x')]);
    expect(c.lookup('bob')).toEqual({ password: 'pw', quotaKey: 'bob' });
    expect(c.lookup('carol')).toBeUndefined();
  });

  it('issues nonces that go stale after their TTL and refuses forged ones', () => {
    let now = 5_000;
    const n = new NonceIssuer({ key: Buffer.alloc(32, 1), ttlMs: 1000, now: () => now });
    const nonce = n.issue();
    expect(n.valid(nonce)).toBe(true);
    expect(n.valid(`${nonce}x`)).toBe(false);
    expect(new NonceIssuer({ key: Buffer.alloc(32, 2), ttlMs: 1000, now: () => now }).valid(nonce)).toBe(false);
    now += 1000;
    expect(n.valid(nonce)).toBe(false);
    expect(n.valid('')).toBe(false);
  });
});

describe('quotas', () => {
  it('counts allocations per user and in total', () => {
    const q = new AllocationQuota({ maxAllocationsPerUser: 2, maxAllocations: 3 });
    expect([q.tryAcquire('a'), q.tryAcquire('a'), q.tryAcquire('a')]).toEqual([true, true, false]);
    expect([q.tryAcquire('b'), q.tryAcquire('c')]).toEqual([true, false]);
    q.release('a');
    expect(q.tryAcquire('c')).toBe(true);
    q.release('nobody');
    expect(q.total).toBe(3);
  });

  it('token bucket refills with time', () => {
    let now = 0;
    const b = new TokenBucket(1000, 1000, () => now);
    expect(b.take(1000)).toBe(true);
    expect(b.take(1)).toBe(false);
    now += 500;
    expect(b.take(500)).toBe(true);
  });
});
