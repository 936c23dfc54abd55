import { afterEach, describe, expect, it } from 'vitest';
import { FileTransferError } from './errors.ts';
import { connectRooms, FakeRoom, leave, type FakeChannel } from './test-fakes.ts';
import type { Transfer } from './transfer.ts';
import { FileTransfers, type FileTransfersOptions } from './transfers.ts';
import { encodeMessage } from './wire.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const random = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(b.subarray(i, i + 65_536));
  return b;
};
const sha = async (b: Blob | Uint8Array<ArrayBuffer>) => Buffer.from(await crypto.subtle.digest('SHA-256', b instanceof Blob ? await b.arrayBuffer() : b)).toString('hex');

const open: FileTransfers[] = [];
function setup(names: string[], options: FileTransfersOptions = {}) {
  const rooms = names.map((n) => new FakeRoom(n));
  connectRooms(...rooms);
  const files = rooms.map((r) => new FileTransfers(r, { storage: 'memory', progressIntervalMs: 0, ...options }));
  open.push(...files);
  return { rooms, files };
}
afterEach(async () => {
  for (const f of open.splice(0)) await f.dispose();
});

/** Resolves with the first transfer for which `event` fires (and `match` holds). */
function next(files: FileTransfers, event: 'transferStarted' | 'transferCompleted' | 'transferFailed' | 'transferCancelled', match: (t: Transfer) => boolean = () => true): Promise<Transfer> {
  return new Promise((resolve) => {
    const off = files.on(event, (t) => {
      if (!match(t)) return;
      off();
      resolve(t);
    });
  });
}
const ended = (files: FileTransfers) => Promise.race([next(files, 'transferCompleted'), next(files, 'transferFailed'), next(files, 'transferCancelled')]);

describe('FileTransfers between two participants', () => {
  it('delivers a file intact, with increasing progress on both sides and backpressure on the channel', async () => {
    const { rooms, files } = setup(['alice', 'bob']);
    const [alice, bob] = files as [FileTransfers, FileTransfers];
    const data = random(3 * MiB + 123);
    const progress = { alice: [] as number[], bob: [] as number[] };
    alice.on('transferProgressed', (t) => progress.alice.push(t.bytesTransferred));
    bob.on('transferProgressed', (t) => progress.bob.push(t.bytesTransferred));
    const incoming = next(bob, 'transferStarted');
    const [sent] = alice.send(new File([data], 'photo.raw', { type: 'image/x-raw' }));
    expect(sent).toMatchObject({ direction: 'outgoing', participantId: 'bob', participantName: 'bob', name: 'photo.raw', size: data.length, state: 'pending' });
    const got = await incoming;
    expect(got).toMatchObject({ direction: 'incoming', participantId: 'alice', name: 'photo.raw', size: data.length, mimeType: 'image/x-raw' });
    const [a, b] = await Promise.all([next(alice, 'transferCompleted'), next(bob, 'transferCompleted')]);
    expect(a).toBe(sent);
    expect(b.file?.name).toBe('photo.raw');
    expect(b.file?.type).toBe('image/x-raw');
    expect(b.storage).toBe('memory');
    expect(await sha(b.file!)).toBe(await sha(data));
    for (const seq of [progress.alice, progress.bob]) {
      expect(seq.length).toBeGreaterThan(3);
      expect(seq).toEqual([...seq].sort((x, y) => x - y));
      expect(seq.at(-1)).toBe(data.length);
    }
    const channel = rooms[0]!.channels[0]!;
    expect(channel.maxBufferedAmount).toBeLessThanOrEqual(4 * MiB + 64 * KiB);
    expect(channel.readyState).toBe('closed');
  });

  it('sends an empty file', async () => {
    const { files } = setup(['alice', 'bob']);
    files[0]!.send(new Blob([]), { name: 'empty.txt' });
    const t = await next(files[1]!, 'transferCompleted');
    expect(t.file?.size).toBe(0);
    expect(t.progress).toBe(1);
  });

  it('a chunk corrupted on the way fails as HASH_MISMATCH on both sides and is not delivered', async () => {
    const { rooms, files } = setup(['alice', 'bob']);
    files[0]!.send(new Blob([random(300 * KiB)]), { name: 'x.bin' });
    await new Promise((r) => setTimeout(r, 0));
    const channel = rooms[0]!.channels[0]!;
    let n = 0;
    channel.transform = (data) => {
      if (typeof data === 'string' || n++ !== 2) return data;
      const b = new Uint8Array(data);
      b[10]! ^= 0xff;
      return data;
    };
    const [a, b] = await Promise.all([ended(files[0]!), ended(files[1]!)]);
    expect([a.state, a.errorCode, b.state, b.errorCode]).toEqual(['failed', 'HASH_MISMATCH', 'failed', 'HASH_MISMATCH']);
    expect(b.file).toBeUndefined();
  });

  for (const who of ['receiver', 'sender'] as const) {
    it(`cancelled by the ${who} mid-way: both sides report cancelled`, async () => {
      const { files } = setup(['alice', 'bob']);
      const [alice, bob] = files as [FileTransfers, FileTransfers];
      alice.send(new Blob([random(8 * MiB)]), { name: 'big.bin' });
      const off = bob.on('transferProgressed', (t) => {
        if (t.bytesTransferred < MiB) return;
        off();
        (who === 'receiver' ? t : alice.transfers[0]!).cancel();
      });
      const [a, b] = await Promise.all([ended(alice), ended(bob)]);
      expect([a.state, b.state]).toEqual(['cancelled', 'cancelled']);
      expect(b.bytesTransferred).toBeLessThan(8 * MiB);
      expect(b.file).toBeUndefined();
    });
  }

  it('the sender refuses a file over the limit', () => {
    const { files } = setup(['alice', 'bob'], { maxBytes: 10 });
    expect(() => files[0]!.send(new Blob([random(11)]))).toThrow(FileTransferError);
    expect(() => files[0]!.send(new Blob([random(11)]))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(files[0]!.transfers).toEqual([]);
  });

  it('a receiver with a lower limit refuses the header: TOO_LARGE on both sides', async () => {
    const rooms = [new FakeRoom('alice'), new FakeRoom('bob')];
    connectRooms(...rooms);
    const alice = new FileTransfers(rooms[0]!, { storage: 'memory' });
    const bob = new FileTransfers(rooms[1]!, { storage: 'memory', maxBytes: 1000 });
    open.push(alice, bob);
    alice.send(new Blob([random(2000)]));
    const [a, b] = await Promise.all([ended(alice), ended(bob)]);
    expect([a.errorCode, b.errorCode]).toEqual(['TOO_LARGE', 'TOO_LARGE']);
    expect(b.size).toBe(2000);
  });

  it('refuses bad arguments', () => {
    const { files } = setup(['alice', 'bob']);
    expect(() => files[0]!.send('text' as unknown as Blob)).toThrow(TypeError);
    expect(() => files[0]!.send(new Blob(['x']), { to: ['nobody'] })).toThrow(expect.objectContaining({ code: 'NO_CONNECTION' }));
    expect(() => new FileTransfers(new FakeRoom('x'), { chunkBytes: 10 })).toThrow(TypeError);
    expect(() => new FileTransfers(new FakeRoom('x'), { maxBytes: -1 })).toThrow(TypeError);
  });

  it('a receiver that never answers makes the sender fail with TIMEOUT', async () => {
    const rooms = [new FakeRoom('alice'), new FakeRoom('bob')];
    connectRooms(...rooms);
    const alice = new FileTransfers(rooms[0]!, { timeoutMs: 50 });
    open.push(alice);
    alice.send(new Blob(['hi']));
    expect((await ended(alice)).errorCode).toBe('TIMEOUT');
  });
});

describe('FileTransfers with several participants', () => {
  it('sends to everyone by default, one transfer each; `to` reaches only those named', async () => {
    const { files } = setup(['a', 'b', 'c']);
    const [a, b, c] = files as [FileTransfers, FileTransfers, FileTransfers];
    const all = a.send(new Blob([random(1000)]), { name: 'all.txt' });
    expect(all.map((t) => t.participantId).sort()).toEqual(['b', 'c']);
    await Promise.all([next(b, 'transferCompleted'), next(c, 'transferCompleted')]);
    const [one] = a.send(new Blob([random(1000)]), { name: 'one.txt', to: ['c'] });
    await Promise.all([next(c, 'transferCompleted', (t) => t.name === 'one.txt'), next(a, 'transferCompleted', (t) => t === one)]);
    expect(b.transfers.map((t) => t.name)).toEqual(['all.txt']);
  });

  it('a participant leaving fails its transfers with PARTICIPANT_LEFT, and the leaver\'s with DISCONNECTED', async () => {
    const { rooms, files } = setup(['a', 'b', 'c']);
    const [a, b, c] = files as [FileTransfers, FileTransfers, FileTransfers];
    a.send(new Blob([random(6 * MiB)]), { name: 'big.bin' });
    await next(b, 'transferStarted');
    await next(c, 'transferStarted');
    const failedAtA = next(a, 'transferFailed');
    const failedAtB = next(b, 'transferFailed');
    leave(rooms[1]!, [rooms[0]!, rooms[2]!]);
    const [ta, tb] = await Promise.all([failedAtA, failedAtB]);
    expect([ta.participantId, ta.errorCode]).toEqual(['b', 'PARTICIPANT_LEFT']);
    expect(tb.errorCode).toBe('DISCONNECTED');
    // The transfer to the one who stayed goes on.
    expect((await next(c, 'transferCompleted')).name).toBe('big.bin');
  });
});

describe('FileTransfers receiving junk', () => {
  /** Opens a raw file channel from `from` to `to` and returns the sender's end. */
  async function rawChannel(from: FakeRoom, to: string, label = 'file:0123456789abcdef0123456789abcdef'): Promise<FakeChannel> {
    const ch = from.createDataChannel(to, label) as unknown as FakeChannel;
    await new Promise<void>((r) => ch.addEventListener('open', () => r(), { once: true }));
    return ch;
  }
  const ID = '0123456789abcdef0123456789abcdef';
  const cases: Array<[string, (ch: FakeChannel) => void, string]> = [
    ['a malformed header', (ch) => ch.send('{"type":"header","version":1}'), 'MALFORMED_MESSAGE'],
    ['an unknown message', (ch) => ch.send('{"type":"hello"}'), 'UNEXPECTED_MESSAGE'],
    ['bytes before a header', (ch) => ch.send(new Uint8Array(10)), 'UNEXPECTED_MESSAGE'],
    [
      'a chunk beyond the announced size',
      (ch) => {
        ch.send(encodeMessage({ type: 'header', version: 1, id: ID, name: 'a', size: 4, mimeType: '' }));
        // wait for "ready" like a real sender, then overflow
        ch.addEventListener('message', () => ch.send(new Uint8Array(5)), { once: true });
      },
      'SIZE_MISMATCH',
    ],
  ];
  for (const [what, act, code] of cases) {
    it(`${what} fails the transfer with ${code}, tells the sender, and closes the channel`, async () => {
      const { rooms, files } = setup(['mallory', 'bob']);
      const ch = await rawChannel(rooms[0]!, 'bob');
      const replies: string[] = [];
      ch.addEventListener('message', (e) => replies.push((e as MessageEvent).data as string));
      const failed = next(files[1]!, 'transferFailed');
      act(ch);
      const t = await failed;
      expect(t.errorCode).toBe(code);
      await new Promise((r) => setTimeout(r, 5));
      expect(replies.map((r) => JSON.parse(r) as { type: string; code?: string }).at(-1)).toMatchObject({ type: 'error', code });
      expect(ch.readyState).toBe('closed');
    });
  }

  it('channels of other features are left alone; file channels with a bad id are closed', async () => {
    const { rooms, files } = setup(['mallory', 'bob']);
    const other = await rawChannel(rooms[0]!, 'bob', 'chat');
    const bad = await rawChannel(rooms[0]!, 'bob', 'file:../x');
    await new Promise((r) => setTimeout(r, 5));
    expect(other.readyState).toBe('open');
    expect(bad.readyState).toBe('closed');
    expect(files[1]!.transfers).toEqual([]);
  });

  it('a channel closed without a cancel message reports cancelled (after a grace period for a leave)', async () => {
    const { rooms, files } = setup(['mallory', 'bob']);
    const ch = await rawChannel(rooms[0]!, 'bob');
    ch.send(encodeMessage({ type: 'header', version: 1, id: ID, name: 'a', size: 4, mimeType: '' }));
    await next(files[1]!, 'transferStarted');
    const t0 = Date.now();
    ch.close();
    const t = await ended(files[1]!);
    expect(t.state).toBe('cancelled');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('a header that never comes times out', async () => {
    const { rooms, files } = setup(['mallory', 'bob'], { timeoutMs: 30 });
    await rawChannel(rooms[0]!, 'bob');
    expect((await ended(files[1]!)).errorCode).toBe('TIMEOUT');
  });
});
