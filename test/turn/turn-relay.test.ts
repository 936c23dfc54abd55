import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { StunMessageBuilder, StunMethod, Attr } from '@parley/stun';
import { TurnTestClient, errorCode, relayedOf } from './client.ts';
import { PASSWORD, USER, sleep, startPeer, startTurn, until } from './harness.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(transport: 'udp' | 'tcp', options: Parameters<typeof startTurn>[0] = { allowLoopback: true }) {
  const h = await startTurn(options);
  cleanups.push(() => h.close());
  const c = transport === 'udp' ? await TurnTestClient.udp(h.udp) : await TurnTestClient.tcp(h.tcp);
  cleanups.push(() => c.close());
  const p = await startPeer();
  cleanups.push(() => p.close());
  const res = await c.allocate(USER, PASSWORD);
  const relayed = relayedOf(res);
  if (!relayed) throw new Error('allocation failed');
  return { h, c, p, relayed };
}

describe.each(['udp', 'tcp'] as const)('TURN relay over %s', (transport) => {
  it('relays Send indications to a permitted peer and its answers back as Data indications', async () => {
    const { c, p, relayed } = await setup(transport);
    expect((await c.createPermission(p)).cls).toBe('success');
    c.sendIndication(p, Buffer.from('hello peer'));
    expect(await until(() => p.received.length === 1)).toBe(true);
    expect(p.received[0]?.data.toString()).toBe('hello peer');
    expect(p.received[0]?.from).toEqual({ address: relayed.address, port: relayed.port });
    p.socket.send(Buffer.from('hello client'), relayed.port, relayed.address);
    const got = await c.waitForData(1);
    expect(got[0]?.data.toString()).toBe('hello client');
    expect(got[0]?.peer).toMatchObject({ address: '127.0.0.1', port: p.port });
  });

  it('relays ChannelData both ways after ChannelBind', async () => {
    const { h, c, p, relayed } = await setup(transport);
    expect((await c.channelBind(0x4001, p)).cls).toBe('success');
    for (let i = 0; i < 20; i++) c.sendChannel(0x4001, Buffer.from(`m${i}-${'x'.repeat(i)}`));
    expect(await until(() => p.received.length === 20)).toBe(true);
    expect(p.received.map((r) => r.data.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}-${'x'.repeat(i)}`));
    const payload = randomBytes(1001);
    p.socket.send(payload, relayed.port, relayed.address);
    const got = await c.waitForData(1);
    expect(got[0]?.channel).toBe(0x4001);
    expect(got[0]?.data.equals(payload)).toBe(true);
    expect(h.server.stats.relayedToPeerBytes).toBeGreaterThan(0);
    expect(h.server.stats.relayedToClientBytes).toBe(1001);
  });

  it('drops peer data without a permission', async () => {
    const { c, p, relayed } = await setup(transport);
    p.socket.send(Buffer.from('unsolicited'), relayed.port, relayed.address);
    c.sendIndication(p, Buffer.from('no permission yet'));
    await sleep(200);
    expect(c.received).toHaveLength(0);
    expect(p.received).toHaveLength(0);
  });
});

describe('TURN peer-address policy', () => {
  it.each(['127.0.0.1', '10.0.0.1', '169.254.1.1', '192.168.1.1', '172.16.0.1', '224.0.0.1', '0.0.0.0'])('refuses %s with 403 by default', async (address) => {
    const { c } = await setup('udp', {});
    expect(errorCode(await c.createPermission({ address, port: 9 }))).toBe(403);
    expect(errorCode(await c.channelBind(0x4000, { address, port: 9 }))).toBe(403);
  });

  it('refuses the server’s own TURN endpoints even when loopback is allow-listed', async () => {
    const { h, c } = await setup('udp');
    expect(errorCode(await c.createPermission(h.udp))).toBe(403);
    expect(errorCode(await c.channelBind(0x4002, h.tcp))).toBe(403);
    // With a permission for the IP, a Send to the server's own port is still dropped.
    await c.createPermission({ address: '127.0.0.1', port: 9 });
    c.sendIndication(h.udp, new StunMessageBuilder(StunMethod.Binding, 'request').encode());
    await sleep(100);
    expect(c.received).toHaveLength(0);
  });

  it('refuses a peer of the other address family with 443, and bad channel numbers with 400', async () => {
    const { c, p } = await setup('udp');
    expect(errorCode(await c.createPermission({ address: '2001:db8::1', port: 9 }))).toBe(443);
    expect(errorCode(await c.channelBind(0x3fff, p))).toBe(400);
    expect((await c.channelBind(0x4000, p)).cls).toBe('success');
    expect(errorCode(await c.channelBind(0x4001, p))).toBe(400); // peer already on 0x4000
  });

  it('drops traffic over the per-allocation bandwidth quota', async () => {
    const { c, p } = await setup('udp', { allowLoopback: true, quota: { maxBitrateBps: 16_000 } });
    await c.channelBind(0x4000, p);
    for (let i = 0; i < 40; i++) c.sendChannel(0x4000, Buffer.alloc(500));
    await sleep(300);
    expect(p.received.length).toBeGreaterThan(0);
    expect(p.received.length).toBeLessThan(10);
  });
});

describe('TURN bad input', () => {
  it('drops garbage and truncated packets on UDP and keeps serving', async () => {
    const { h, c } = await setup('udp');
    const raw = createSocket('udp4');
    cleanups.push(() => raw.close());
    const valid = new StunMessageBuilder(StunMethod.Allocate, 'request').text(Attr.USERNAME, 'x').encode({ fingerprint: true });
    const junk = [Buffer.alloc(0), Buffer.from([0]), randomBytes(19), valid.subarray(0, 30), Buffer.from([0x40, 0x00, 0xff, 0xff, 1]), Buffer.from([0x4f, 0xff, 0, 0]), randomBytes(1200)];
    for (let i = 0; i < 200; i++) junk.push(Buffer.concat([valid.subarray(0, 20), randomBytes(i % 64)]));
    for (const j of junk) raw.send(j, h.udp.port, h.udp.address);
    c.sendChannel(0x4444, Buffer.from('unbound channel'));
    await sleep(200);
    const res = await c.request(new StunMessageBuilder(StunMethod.Binding, 'request'));
    expect(res.cls).toBe('success');
    expect(h.server.stats.dropped).toBeGreaterThan(100);
    expect(h.server.stats.allocations).toBe(1);
  });

  it('closes a TCP connection that sends garbage, and keeps serving others', async () => {
    const { h } = await setup('udp');
    const s = connect(h.tcp.port, h.tcp.address);
    cleanups.push(() => s.destroy());
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    // A TLS ClientHello on the plain port: its first bits look like STUN, its cookie does not.
    s.write(Buffer.from('16030100a50100a10303', 'hex'));
    await closed;
    const c = await TurnTestClient.tcp(h.tcp);
    cleanups.push(() => c.close());
    expect((await c.request(new StunMessageBuilder(StunMethod.Binding, 'request'))).cls).toBe('success');
  });

  it('frees the allocation when its TCP connection closes', async () => {
    const { h, c } = await setup('tcp');
    expect(h.server.stats.allocations).toBe(1);
    c.close();
    expect(await until(() => h.server.stats.allocations === 0)).toBe(true);
  });
});
