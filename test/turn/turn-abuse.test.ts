import { createSocket, type Socket } from 'node:dgram';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Attr, StunMessageBuilder, StunMethod, decodeMessage, longTermKey, readErrorCode, readText, type DecodedStunMessage } from '@parley/stun';
import { PASSWORD, USER, sleep, startTurn, type TurnHarness } from './harness.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bare UDP socket that sends exact bytes and collects decoded answers: an attacker's view. */
async function rawSocket(): Promise<{ socket: Socket; answers: DecodedStunMessage[]; send(b: Buffer, h: TurnHarness): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => socket.close());
  const answers: DecodedStunMessage[] = [];
  socket.on('message', (m) => {
    try {
      answers.push(decodeMessage(m));
    } catch {
      /* not STUN */
    }
  });
  return { socket, answers, send: (b, h) => socket.send(b, h.udp.port, h.udp.address) };
}

const allocate = () => new StunMessageBuilder(StunMethod.Allocate, 'request').add(Attr['REQUESTED-TRANSPORT'], Buffer.from([17, 0, 0, 0]));

async function answer(raw: Awaited<ReturnType<typeof rawSocket>>, n: number): Promise<DecodedStunMessage> {
  for (let i = 0; i < 100 && raw.answers.length < n; i++) await sleep(10);
  const a = raw.answers[n - 1];
  if (!a) throw new Error(`no answer #${n}`);
  return a;
}

/** Gets REALM and NONCE the way a client does: an unauthenticated Allocate answered with 401. */
async function challenge(h: TurnHarness): Promise<{ realm: string; nonce: string }> {
  const raw = await rawSocket();
  raw.send(allocate().encode(), h);
  const a = await answer(raw, 1);
  return { realm: readText(a, Attr.REALM) ?? '', nonce: readText(a, Attr.NONCE) ?? '' };
}

describe('TURN abuse', () => {
  it('refuses an authenticated request without MESSAGE-INTEGRITY (401) and with a tampered one (401), allocating nothing', async () => {
    const h = await startTurn();
    cleanups.push(() => h.close());
    const { realm, nonce } = await challenge(h);
    const raw = await rawSocket();
    raw.send(allocate().text(Attr.USERNAME, USER).text(Attr.REALM, realm).text(Attr.NONCE, nonce).encode({ fingerprint: true }), h);
    expect(readErrorCode(await answer(raw, 1))?.code).toBe(401);
    const signed = allocate().text(Attr.USERNAME, USER).text(Attr.REALM, realm).text(Attr.NONCE, nonce).encode({ integrity: longTermKey(USER, realm, PASSWORD) });
    const tampered = Buffer.from(signed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff; // last byte of the HMAC
    raw.send(tampered, h);
    expect(readErrorCode(await answer(raw, 2))?.code).toBe(401);
    expect(h.server.stats.allocations).toBe(0);
  });

  it('a captured Allocate replayed from another address after its nonce expired gets 438, not an allocation', async () => {
    let now = Date.now();
    const h = await startTurn({ now: () => now, nonceTtlS: 60 });
    cleanups.push(() => h.close());
    const { realm, nonce } = await challenge(h);
    const captured = allocate().text(Attr.USERNAME, USER).text(Attr.REALM, realm).text(Attr.NONCE, nonce).encode({ integrity: longTermKey(USER, realm, PASSWORD), fingerprint: true });
    const victim = await rawSocket();
    victim.send(captured, h);
    expect((await answer(victim, 1)).cls).toBe('success');
    now += 61_000;
    const attacker = await rawSocket();
    attacker.send(captured, h);
    const res = await answer(attacker, 1);
    expect(readErrorCode(res)?.code).toBe(438);
    expect(h.server.stats.allocations).toBe(1);
  });

  it('drops a message whose attribute claims more bytes than the message holds, and keeps serving', async () => {
    const h = await startTurn();
    cleanups.push(() => h.close());
    const raw = await rawSocket();
    const oversized = Buffer.from(allocate().text(Attr.USERNAME, USER).encode());
    // The USERNAME attribute header sits after REQUESTED-TRANSPORT (20 + 8): claim 0xfff0 bytes.
    oversized.writeUInt16BE(0xfff0, 20 + 8 + 2);
    const dropped = h.server.stats.dropped;
    raw.send(oversized, h);
    await sleep(100);
    expect(raw.answers).toHaveLength(0); // no answer to what cannot be parsed
    expect(h.server.stats.dropped).toBe(dropped + 1);
    raw.send(new StunMessageBuilder(StunMethod.Binding, 'request').encode(), h);
    expect((await answer(raw, 1)).cls).toBe('success');
  });

  it('an allocation flood beyond quota gets 486, and leaves no state or memory behind once it expires', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let now = Date.now();
    const h = await startTurn({ now: () => now, quota: { maxAllocationsPerUser: 3, maxAllocations: 1000, maxBitrateBps: 0 }, lifetimes: { allocationS: 30 } });
    cleanups.push(() => h.close());
    const { realm, nonce } = await challenge(h);
    const key = longTermKey(USER, realm, PASSWORD);
    const flood = async () => {
      const sockets = await Promise.all(Array.from({ length: 60 }, () => rawSocket()));
      for (const s of sockets) s.send(allocate().text(Attr.USERNAME, USER).text(Attr.REALM, realm).text(Attr.NONCE, nonce).encode({ integrity: key, fingerprint: true }), h);
      const answers = await Promise.all(sockets.map((s) => answer(s, 1)));
      for (const s of sockets) s.socket.close();
      cleanups.splice(-sockets.length);
      return answers;
    };
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const first = await flood();
    expect(first.filter((a) => a.cls === 'success')).toHaveLength(3);
    expect(first.filter((a) => readErrorCode(a)?.code === 486)).toHaveLength(57);
    now += 31_000;
    await sleep(250); // the sweep runs every 100 ms in the harness
    expect(h.server.stats.allocations).toBe(0);
    const before = heap();
    for (let round = 0; round < 5; round++) {
      const answers = await flood();
      expect(answers.filter((a) => a.cls === 'success')).toHaveLength(3);
      now += 31_000;
      await sleep(250);
    }
    expect(h.server.stats.allocations).toBe(0);
    expect(heap() - before).toBeLessThan(4 * 1024 * 1024);
  });
});
