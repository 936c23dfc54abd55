import { describe, expect, it } from 'vitest';
import { Sha256 } from './hash.ts';
import { IncomingProtocol, OutgoingProtocol } from './protocol.ts';
import { encodeMessage, type FileControlMessage } from './wire.ts';

const ID = 'feedfacefeedfacefeedfacefeedface';
const enc = (m: FileControlMessage) => encodeMessage(m);
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const hex = async (b: Uint8Array<ArrayBuffer>) => Buffer.from(await crypto.subtle.digest('SHA-256', b)).toString('hex');
const header = (size: number, id = ID) => enc({ type: 'header', version: 1, id, name: 'f.bin', size, mimeType: '' });

describe('Sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(new TextEncoder().encode('abc')).hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('gives the same digest fed in any split as WebCrypto over the whole', async () => {
    const data = bytes(200_003);
    for (const step of [1, 63, 64, 65, 4096, 65_536, 200_003]) {
      const h = new Sha256();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(h.hex()).toBe(await hex(data));
    }
  });

  it('refuses updates after the digest', () => {
    const h = new Sha256();
    h.hex();
    expect(() => h.update(bytes(1))).toThrow(Error);
  });
});

describe('IncomingProtocol', () => {
  it('header → chunks → trailer with the right hash is verified', async () => {
    const data = bytes(100_000);
    const p = new IncomingProtocol(ID, 1 << 20);
    expect(p.onMessage(header(data.length))).toMatchObject({ kind: 'header', header: { size: 100_000, name: 'f.bin' } });
    for (let i = 0; i < data.length; i += 16_384) expect(p.onMessage(data.slice(i, i + 16_384).buffer)).toMatchObject({ kind: 'chunk' });
    expect(p.bytesReceived).toBe(100_000);
    const sha256 = await hex(data);
    expect(p.onMessage(enc({ type: 'trailer', sha256 }))).toEqual({ kind: 'verified', sha256 });
    expect(p.phase).toBe('ended');
    expect(p.onMessage(enc({ type: 'cancel' }))).toEqual({ kind: 'ignored' });
  });

  it('an empty file needs no chunk', async () => {
    const p = new IncomingProtocol(ID, 10);
    p.onMessage(header(0));
    expect(p.onMessage(enc({ type: 'trailer', sha256: await hex(new Uint8Array(0)) }))).toMatchObject({ kind: 'verified' });
  });

  it('a wrong hash is HASH_MISMATCH, never verified', async () => {
    const p = new IncomingProtocol(ID, 1000);
    p.onMessage(header(3));
    const tampered = bytes(3);
    tampered[1]! ^= 1;
    p.onMessage(tampered.buffer);
    expect(p.onMessage(enc({ type: 'trailer', sha256: await hex(bytes(3)) }))).toMatchObject({ kind: 'failed', code: 'HASH_MISMATCH', remote: false });
  });

  it('fails with a stable code on each kind of bad input', () => {
    const cases: Array<[string, (p: IncomingProtocol) => unknown, string]> = [
      ['bytes before the header', (p) => p.onMessage(bytes(4).buffer), 'UNEXPECTED_MESSAGE'],
      ['a header over the limit', (p) => p.onMessage(header(101)), 'TOO_LARGE'],
      ['a header whose id is not the channel\'s', (p) => p.onMessage(header(1, 'a'.repeat(32))), 'MALFORMED_MESSAGE'],
      ['garbage text', (p) => p.onMessage('hello'), 'MALFORMED_MESSAGE'],
      ['an unknown message', (p) => p.onMessage('{"type":"pause"}'), 'UNEXPECTED_MESSAGE'],
      ['a Blob instead of an ArrayBuffer', (p) => p.onMessage(new Blob(['x'])), 'MALFORMED_MESSAGE'],
      ['a receiver message', (p) => p.onMessage(enc({ type: 'ready' })), 'UNEXPECTED_MESSAGE'],
      ['a trailer before the header', (p) => p.onMessage(enc({ type: 'trailer', sha256: '0'.repeat(64) })), 'UNEXPECTED_MESSAGE'],
    ];
    for (const [what, run, code] of cases) {
      const p = new IncomingProtocol(ID, 100);
      expect(run(p), what).toMatchObject({ kind: 'failed', code, remote: false });
      expect(p.phase, what).toBe('ended');
    }
  });

  it('a chunk beyond the announced size is SIZE_MISMATCH', () => {
    const p = new IncomingProtocol(ID, 100);
    p.onMessage(header(10));
    expect(p.onMessage(bytes(8).buffer)).toMatchObject({ kind: 'chunk' });
    expect(p.onMessage(bytes(3).buffer)).toMatchObject({ kind: 'failed', code: 'SIZE_MISMATCH' });
  });

  it('a trailer before all bytes arrived is SIZE_MISMATCH', () => {
    const p = new IncomingProtocol(ID, 100);
    p.onMessage(header(10));
    p.onMessage(bytes(9).buffer);
    expect(p.onMessage(enc({ type: 'trailer', sha256: '0'.repeat(64) }))).toMatchObject({ kind: 'failed', code: 'SIZE_MISMATCH' });
  });

  it('a second header is UNEXPECTED_MESSAGE', () => {
    const p = new IncomingProtocol(ID, 100);
    p.onMessage(header(10));
    expect(p.onMessage(header(10))).toMatchObject({ kind: 'failed', code: 'UNEXPECTED_MESSAGE' });
  });

  it('cancel and the sender\'s errors end it, marked remote', () => {
    const a = new IncomingProtocol(ID, 100);
    a.onMessage(header(10));
    expect(a.onMessage(enc({ type: 'cancel' }))).toEqual({ kind: 'cancelled' });
    const b = new IncomingProtocol(ID, 100);
    expect(b.onMessage(enc({ type: 'error', code: 'READ_FAILED', message: 'gone' }))).toEqual({ kind: 'failed', code: 'READ_FAILED', message: 'gone', remote: true });
  });

  it('ignores everything once this side ended it', () => {
    const p = new IncomingProtocol(ID, 100);
    p.onMessage(header(10));
    p.end();
    expect(p.onMessage(bytes(1).buffer)).toEqual({ kind: 'ignored' });
  });
});

describe('OutgoingProtocol', () => {
  it('ready → (stream) → trailer sent → done', () => {
    const p = new OutgoingProtocol();
    expect(p.onMessage(enc({ type: 'ready' }))).toEqual({ kind: 'ready' });
    expect(p.phase).toBe('streaming');
    p.trailerSent();
    expect(p.onMessage(enc({ type: 'done' }))).toEqual({ kind: 'done' });
    expect(p.phase).toBe('ended');
  });

  it('refuses done before the trailer, a second ready, binary data and sender messages', () => {
    const early = new OutgoingProtocol();
    early.onMessage(enc({ type: 'ready' }));
    expect(early.onMessage(enc({ type: 'done' }))).toMatchObject({ kind: 'failed', code: 'UNEXPECTED_MESSAGE' });
    const twice = new OutgoingProtocol();
    twice.onMessage(enc({ type: 'ready' }));
    expect(twice.onMessage(enc({ type: 'ready' }))).toMatchObject({ kind: 'failed', code: 'UNEXPECTED_MESSAGE' });
    expect(new OutgoingProtocol().onMessage(new ArrayBuffer(4))).toMatchObject({ kind: 'failed', code: 'UNEXPECTED_MESSAGE' });
    expect(new OutgoingProtocol().onMessage(header(1))).toMatchObject({ kind: 'failed', code: 'UNEXPECTED_MESSAGE' });
    expect(new OutgoingProtocol().onMessage('{')).toMatchObject({ kind: 'failed', code: 'MALFORMED_MESSAGE' });
  });

  it('passes on the receiver\'s verdict', () => {
    const p = new OutgoingProtocol();
    p.onMessage(enc({ type: 'ready' }));
    p.trailerSent();
    expect(p.onMessage(enc({ type: 'error', code: 'HASH_MISMATCH', message: 'bad' }))).toEqual({ kind: 'failed', code: 'HASH_MISMATCH', message: 'bad', remote: true });
    expect(p.onMessage(enc({ type: 'done' }))).toEqual({ kind: 'ignored' });
  });
});
