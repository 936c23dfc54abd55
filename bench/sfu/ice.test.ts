import { describe, expect, it } from 'vitest';
import { handleStunDatagram } from '@parley/media';
import { Attr, StunMessageBuilder, StunMethod, decodeMessage, getAttribute, shortTermKey } from '@parley/stun';
import { bindingRequest, createCredentials, createTieBreaker, handleStun } from './ice.ts';

const local = { ufrag: 'loc1', pwd: 'l'.repeat(24) };
const remote = { ufrag: 'rem1', pwd: 'r'.repeat(24) };
const source = { address: '127.0.0.1', port: 5000 };

describe('bindingRequest', () => {
  it('is accepted by an ICE-lite agent as a nominating check from us', () => {
    const { datagram } = bindingRequest({ local, remote, controlling: true, tieBreaker: createTieBreaker(), nominate: true });
    const verdict = handleStunDatagram(datagram, source, (u) => (u === remote.ufrag ? remote.pwd : undefined));
    expect(verdict).toMatchObject({ kind: 'binding', localUsernameFragment: 'rem1', remoteUsernameFragment: 'loc1', nominated: true });
    const msg = decodeMessage(datagram);
    expect(getAttribute(msg, Attr['ICE-CONTROLLING'])?.length).toBe(8);
    expect(getAttribute(msg, Attr.PRIORITY)?.readUInt32BE(0)).toBe((110 << 24) + (65535 << 8) + 255);
  });

  it('as controlled carries ICE-CONTROLLED and never USE-CANDIDATE', () => {
    const msg = decodeMessage(bindingRequest({ local, remote, controlling: false, tieBreaker: createTieBreaker(), nominate: true }).datagram);
    expect(getAttribute(msg, Attr['ICE-CONTROLLED'])).toBeDefined();
    expect(getAttribute(msg, Attr['USE-CANDIDATE'])).toBeUndefined();
  });

  it('fails integrity under the wrong password (the lite agent answers 401)', () => {
    const { datagram } = bindingRequest({ local, remote: { ufrag: remote.ufrag, pwd: 'x'.repeat(24) }, controlling: true, tieBreaker: createTieBreaker(), nominate: true });
    expect(handleStunDatagram(datagram, source, () => remote.pwd).kind).toBe('unauthenticated');
  });
});

describe('handleStun', () => {
  it('recognises the success response to our check, signed with the remote password', () => {
    const { transactionId } = bindingRequest({ local, remote, controlling: true, tieBreaker: createTieBreaker(), nominate: false });
    const ok = new StunMessageBuilder(StunMethod.Binding, 'success', transactionId).xorAddress(Attr['XOR-MAPPED-ADDRESS'], source).encode({ integrity: shortTermKey(remote.pwd), fingerprint: true });
    const v = handleStun(ok, source, local, remote);
    expect(v.kind).toBe('success');
    const forged = new StunMessageBuilder(StunMethod.Binding, 'success', transactionId).encode({ integrity: shortTermKey('nope'.repeat(6)), fingerprint: true });
    expect(handleStun(forged, source, local, remote).kind).toBe('other');
  });

  it("answers the remote's check with our password and reports its nomination", () => {
    const theirs = bindingRequest({ local: remote, remote: local, controlling: true, tieBreaker: createTieBreaker(), nominate: true });
    const v = handleStun(theirs.datagram, source, local, remote);
    expect(v).toMatchObject({ kind: 'request', nominated: true });
    if (v.kind !== 'request') return;
    const response = decodeMessage(v.response);
    expect(response.cls).toBe('success');
    expect(response.transactionId.equals(theirs.transactionId)).toBe(true);
  });

  it('makes ice-chars credentials of RFC 8839 lengths', () => {
    const c = createCredentials();
    expect(c.ufrag).toMatch(/^[A-Za-z0-9+/]{8}$/);
    expect(c.pwd).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });
});
