import { afterEach, describe, expect, it } from 'vitest';
import { Attr, StunMessageBuilder, StunMethod, decodeUnknownAttributes, getAttribute, readText, readUint32, readXorAddress } from '@parley/stun';
import { restPassword } from '@parley/turn';
import { TurnTestClient, errorCode, relayedOf } from './client.ts';
import { PASSWORD, REST_SECRET, USER, sleep, startPeer, startTurn, until, type TurnHarness } from './harness.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function turn(options: Parameters<typeof startTurn>[0] = {}): Promise<TurnHarness> {
  const h = await startTurn(options);
  cleanups.push(() => h.close());
  return h;
}

async function client(h: TurnHarness, transport: 'udp' | 'tcp' = 'udp'): Promise<TurnTestClient> {
  const c = transport === 'udp' ? await TurnTestClient.udp(h.udp) : await TurnTestClient.tcp(h.tcp);
  cleanups.push(() => c.close());
  return c;
}

async function peer(): Promise<Awaited<ReturnType<typeof startPeer>>> {
  const p = await startPeer();
  cleanups.push(() => p.close());
  return p;
}

describe('TURN server: STUN and allocations', () => {
  it('answers Binding with the client address (XOR-MAPPED-ADDRESS)', async () => {
    const h = await turn();
    for (const c of [await client(h), await client(h, 'tcp')]) {
      const res = await c.request(new StunMessageBuilder(StunMethod.Binding, 'request'));
      expect(res.cls).toBe('success');
      expect(readXorAddress(res, Attr['XOR-MAPPED-ADDRESS'])?.address).toBe('127.0.0.1');
    }
  });

  it('challenges with 401 + REALM + NONCE, then allocates with long-term credentials', async () => {
    const h = await turn();
    const c = await client(h);
    const res = await c.allocate(USER, PASSWORD);
    expect(c.realm).toBe('parley.test');
    expect(c.nonce).not.toBe('');
    expect(res.cls).toBe('success');
    expect(c.verify(res)).toBe(true);
    expect(relayedOf(res)?.address).toBe('127.0.0.1');
    expect(readUint32(res, Attr.LIFETIME)).toBe(600);
    expect(h.server.stats.allocations).toBe(1);
  });

  it('refuses a wrong password with 401, and accepts REST credentials (expiry:user)', async () => {
    const h = await turn();
    const bad = await client(h);
    expect(errorCode(await bad.allocate(USER, 'not-it'))).toBe(401);
    const rest = await client(h);
    const username = `${Math.floor(Date.now() / 1000) + 60}:carol`;
    expect((await rest.allocate(username, restPassword(REST_SECRET, username))).cls).toBe('success');
    const expired = await client(h);
    const old = `${Math.floor(Date.now() / 1000) - 1}:carol`;
    expect(errorCode(await expired.allocate(old, restPassword(REST_SECRET, old)))).toBe(401);
  });

  it('answers a retransmitted Allocate with the same response, and a new one with 437', async () => {
    const h = await turn();
    const c = await client(h);
    await c.allocate(USER, PASSWORD);
    const b = new StunMessageBuilder(StunMethod.Allocate, 'request').text(Attr.USERNAME, USER).text(Attr.REALM, c.realm).text(Attr.NONCE, c.nonce);
    b.add(Attr['REQUESTED-TRANSPORT'], Buffer.from([17, 0, 0, 0]));
    expect(errorCode(await c.request(b, { sign: true }))).toBe(437);
  });

  it('refuses unsupported transports (442) and missing REQUESTED-TRANSPORT (400)', async () => {
    const h = await turn();
    const c = await client(h);
    expect(errorCode(await c.allocate(USER, PASSWORD, (b) => { b.message.attributes.length = 3; b.add(Attr['REQUESTED-TRANSPORT'], Buffer.from([6, 0, 0, 0])); }))).toBe(442);
    expect(errorCode(await c.signed(StunMethod.Allocate))).toBe(400);
  });

  it('answers 420 with UNKNOWN-ATTRIBUTES for unknown comprehension-required attributes', async () => {
    const h = await turn();
    const c = await client(h);
    const res = await c.request(new StunMessageBuilder(StunMethod.Allocate, 'request').add(0x7f00, Buffer.from([1, 2, 3, 4])).add(0xc001, Buffer.alloc(0)));
    expect(errorCode(res)).toBe(420);
    expect(decodeUnknownAttributes(getAttribute(res, Attr['UNKNOWN-ATTRIBUTES']) as Buffer)).toEqual([0x7f00]);
  });

  it('refreshes, and deletes the allocation with LIFETIME 0 (then 437)', async () => {
    const h = await turn();
    const c = await client(h);
    await c.allocate(USER, PASSWORD);
    const r = await c.refresh(1200);
    expect(readUint32(r, Attr.LIFETIME)).toBe(1200);
    expect(readUint32(await c.refresh(99_999), Attr.LIFETIME)).toBe(3600);
    expect((await c.refresh(0)).cls).toBe('success');
    expect(h.server.stats.allocations).toBe(0);
    expect(errorCode(await c.refresh())).toBe(437);
  });

  it('expires allocations and permissions after their (configured) lifetimes', async () => {
    const h = await turn({ allowLoopback: true, lifetimes: { allocationS: 1, permissionS: 1 } });
    const p = await peer();
    const c = await client(h);
    expect(readUint32(await c.allocate(USER, PASSWORD), Attr.LIFETIME)).toBe(1);
    await c.createPermission(p);
    c.sendIndication(p, Buffer.from('early'));
    expect(await until(() => p.received.length === 1)).toBe(true);
    expect(await until(() => h.server.stats.allocations === 0, 3000)).toBe(true);
    expect(errorCode(await c.createPermission(p))).toBe(437);
  });

  it('answers 438 Stale Nonce with a fresh nonce once the nonce expires', async () => {
    const h = await turn({ nonceTtlS: 0.3 });
    const c = await client(h);
    await c.allocate(USER, PASSWORD);
    await sleep(400);
    const stale = await c.request(new StunMessageBuilder(StunMethod.Refresh, 'request').text(Attr.USERNAME, USER).text(Attr.REALM, c.realm).text(Attr.NONCE, c.nonce), { sign: true });
    expect(errorCode(stale)).toBe(438);
    expect(readText(stale, Attr.REALM)).toBe('parley.test');
    expect(readText(stale, Attr.NONCE)).not.toBe(c.nonce);
    expect((await c.refresh()).cls).toBe('success'); // signed() retries with the new nonce
  });

  it('enforces allocation quotas per user and in total with 486', async () => {
    const h = await turn({ quota: { maxAllocationsPerUser: 1, maxAllocations: 2 } });
    expect((await (await client(h)).allocate(USER, PASSWORD)).cls).toBe('success');
    expect(errorCode(await (await client(h)).allocate(USER, PASSWORD))).toBe(486);
    expect((await (await client(h)).allocate('bob', 'builder')).cls).toBe('success');
    const rest = `${Math.floor(Date.now() / 1000) + 60}:dave`;
    expect(errorCode(await (await client(h)).allocate(rest, restPassword(REST_SECRET, rest)))).toBe(486);
  });

  it('refuses requests on another user’s allocation with 441', async () => {
    const h = await turn();
    const c = await client(h);
    await c.allocate(USER, PASSWORD);
    c.username = 'bob';
    c.key = (await import('@parley/stun')).longTermKey('bob', c.realm, 'builder');
    expect(errorCode(await c.refresh())).toBe(441);
  });
});
