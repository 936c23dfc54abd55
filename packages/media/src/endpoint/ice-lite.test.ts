import { describe, expect, it } from 'vitest';
import {
  Attr, StunMessageBuilder, StunMethod, decodeMessage, readErrorCode, readXorAddress, shortTermKey, verifyFingerprint, verifyIntegrity,
} from '@parley/stun';
import { createIceParameters, handleStunDatagram, parseIceUsername } from './ice-lite.ts';

const LOCAL = { usernameFragment: 'srv1', password: 'server-password-0123456789' };
const lookup = (ufrag: string): string | undefined => (ufrag === LOCAL.usernameFragment ? LOCAL.password : undefined);
const SOURCE = { address: '192.0.2.7', port: 51234 };

/** A Binding request as Chrome sends it to a lite agent (RFC 8445 §7.2.2): USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE. */
function check(options: { username?: string; password?: string; useCandidate?: boolean; fingerprint?: boolean; integrity?: boolean } = {}): Buffer {
  const b = new StunMessageBuilder(StunMethod.Binding, 'request');
  if (options.username !== '') b.text(Attr.USERNAME, options.username ?? `${LOCAL.usernameFragment}:chr1`);
  b.uint32(Attr.PRIORITY, 1853824767);
  b.add(Attr['ICE-CONTROLLING'], Buffer.alloc(8, 1));
  if (options.useCandidate) b.add(Attr['USE-CANDIDATE'], Buffer.alloc(0));
  return b.encode({ ...(options.integrity === false ? {} : { integrity: shortTermKey(options.password ?? LOCAL.password) }), fingerprint: options.fingerprint ?? true });
}

describe('ICE-lite Binding responder (RFC 8445 §7.3)', () => {
  it('answers an authenticated check with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY (local ice-pwd) and FINGERPRINT', () => {
    const verdict = handleStunDatagram(check(), SOURCE, lookup);
    expect(verdict.kind).toBe('binding');
    if (verdict.kind !== 'binding') return;
    expect(verdict).toMatchObject({ localUsernameFragment: 'srv1', remoteUsernameFragment: 'chr1', nominated: false, priority: 1853824767 });
    const response = decodeMessage(verdict.response);
    expect(response.cls).toBe('success');
    expect(response.method).toBe(StunMethod.Binding);
    expect(readXorAddress(response, Attr['XOR-MAPPED-ADDRESS'])).toMatchObject(SOURCE);
    expect(verifyIntegrity(response, shortTermKey(LOCAL.password))).toBe(true);
    expect(verifyFingerprint(response)).toBe(true);
  });

  it('USE-CANDIDATE nominates', () => {
    const verdict = handleStunDatagram(check({ useCandidate: true }), SOURCE, lookup);
    expect(verdict.kind === 'binding' && verdict.nominated).toBe(true);
  });

  it('wrong password: 401 without MESSAGE-INTEGRITY (RFC 8489 §9.1.3)', () => {
    const verdict = handleStunDatagram(check({ password: 'not-the-password-at-all!' }), SOURCE, lookup);
    expect(verdict.kind).toBe('unauthenticated');
    if (verdict.kind !== 'unauthenticated') return;
    const response = decodeMessage(verdict.response);
    expect(response.cls).toBe('error');
    expect(readErrorCode(response)?.code).toBe(401);
    expect(response.attributes.some((a) => a.type === Attr['MESSAGE-INTEGRITY'])).toBe(false);
    expect(verifyFingerprint(response)).toBe(true);
  });

  it('an ice-ufrag we never issued is dropped unanswered', () => {
    expect(handleStunDatagram(check({ username: 'nobody:chr1' }), SOURCE, lookup)).toEqual({ kind: 'unknown-username', localUsernameFragment: 'nobody' });
    expect(handleStunDatagram(check({ username: 'no-colon' }), SOURCE, lookup).kind).toBe('unknown-username');
  });

  it('ignores checks without USERNAME or MESSAGE-INTEGRITY, a bad FINGERPRINT, responses and other methods', () => {
    expect(handleStunDatagram(check({ username: '' }), SOURCE, lookup).kind).toBe('ignored');
    expect(handleStunDatagram(check({ integrity: false }), SOURCE, lookup).kind).toBe('ignored');
    const corrupted = check();
    corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 1) ^ 0xff, corrupted.length - 1);
    expect(handleStunDatagram(corrupted, SOURCE, lookup)).toMatchObject({ kind: 'ignored', reason: 'FINGERPRINT mismatch' });
    const response = new StunMessageBuilder(StunMethod.Binding, 'success').encode({ fingerprint: true });
    expect(handleStunDatagram(response, SOURCE, lookup).kind).toBe('ignored');
    const allocate = new StunMessageBuilder(StunMethod.Allocate, 'request').encode();
    expect(handleStunDatagram(allocate, SOURCE, lookup).kind).toBe('ignored');
    const indication = new StunMessageBuilder(StunMethod.Binding, 'indication').encode({ fingerprint: true });
    expect(handleStunDatagram(indication, SOURCE, lookup).kind).toBe('ignored');
  });

  it('truncated or malformed STUN is "not-stun", never a throw', () => {
    const good = check({ useCandidate: true });
    for (let cut = 0; cut < good.length; cut += 3) expect(handleStunDatagram(good.subarray(0, cut), SOURCE, lookup).kind).toBe('not-stun');
    const badLength = Buffer.from(good);
    badLength.writeUInt16BE(good.length, 2);
    expect(handleStunDatagram(badLength, SOURCE, lookup).kind).toBe('not-stun');
    for (let seed = 1; seed < 200; seed++) {
      const junk = Buffer.from(good);
      for (let i = 20; i < junk.length; i += 1 + (seed % 7)) junk[i] = (junk[i] as number) ^ ((seed * 31 + i) & 0xff);
      expect(() => handleStunDatagram(junk, SOURCE, lookup)).not.toThrow();
    }
  });

  it('parseIceUsername splits "local:remote" and refuses empty halves', () => {
    expect(parseIceUsername('a:b')).toEqual({ local: 'a', remote: 'b' });
    expect(parseIceUsername('a:b:c')).toEqual({ local: 'a', remote: 'b:c' });
    expect(parseIceUsername(':b')).toBeUndefined();
    expect(parseIceUsername('a:')).toBeUndefined();
    expect(parseIceUsername('ab')).toBeUndefined();
  });

  it('createIceParameters: RFC 8839 §5.4 lengths and ice-chars, fresh each time', () => {
    const a = createIceParameters();
    const b = createIceParameters();
    expect(a.usernameFragment).toMatch(/^[A-Za-z0-9+/]{8}$/);
    expect(a.password).toMatch(/^[A-Za-z0-9+/]{24}$/);
    expect(a.usernameFragment).not.toBe(b.usernameFragment);
  });
});
