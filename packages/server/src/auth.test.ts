import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@parley/protocol';
import { TokenService, iceServersFor, turnCredentials } from './auth.ts';

const SECRET = 'unit-test-secret-0123456789abcdef0123';

async function rejection(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a rejection');
}

describe('TokenService', () => {
  const tokens = new TokenService(SECRET);

  it('verifies what it mints', async () => {
    const before = Date.now();
    const { token, expiresAt } = await tokens.mint({ room: 'room-1', identity: 'alice', name: 'Alice', metadata: '{"a":1}', grants: { publish: false }, ttlS: 600 });
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(expiresAt).toBeLessThanOrEqual(before + 601_000);
    const claims = await tokens.verify(token);
    expect(claims).toEqual({ room: 'room-1', identity: 'alice', name: 'Alice', metadata: '{"a":1}', grants: { join: true, publish: false, subscribe: true }, expiresAt });
  });

  it('defaults the name to the identity and the metadata to empty', async () => {
    const { token } = await tokens.mint({ room: 'r', identity: 'bob', ttlS: 60 });
    expect(await tokens.verify(token)).toMatchObject({ name: 'bob', metadata: '' });
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const { token } = await tokens.mint({ room: 'r', identity: 'bob', ttlS: -60 });
    expect((await rejection(tokens.verify(token))).code).toBe('TOKEN_EXPIRED');
  });

  it('rejects a token signed with another secret with TOKEN_INVALID', async () => {
    const { token } = await new TokenService('another-secret-0123456789abcdef0123456').mint({ room: 'r', identity: 'bob', ttlS: 60 });
    expect((await rejection(tokens.verify(token))).code).toBe('TOKEN_INVALID');
  });

  it('rejects garbage with TOKEN_INVALID', async () => {
    for (const junk of ['', 'x', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJyb29tIjoiciJ9.']) {
      expect((await rejection(tokens.verify(junk))).code).toBe('TOKEN_INVALID');
    }
  });

  it('rejects a tampered payload with TOKEN_INVALID', async () => {
    const { token } = await tokens.mint({ room: 'r', identity: 'bob', ttlS: 60 });
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ room: 'other', sub: 'admin', iss: 'parley', aud: 'parley-room', exp: 9e9 })).toString('base64url');
    expect((await rejection(tokens.verify(`${h}.${forged}.${s}`))).code).toBe('TOKEN_INVALID');
  });

  it('rejects a correctly signed token without a room claim with TOKEN_INVALID', async () => {
    const key = new TextEncoder().encode(SECRET);
    const jwt = await new SignJWT({ name: 'x' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('parley').setAudience('parley-room').setExpirationTime('1m').sign(key);
    const e = await rejection(tokens.verify(jwt));
    expect(e.code).toBe('TOKEN_INVALID');
    expect(e.message).toMatch(/room/);
  });

  it('rejects a correctly signed token for another audience with TOKEN_INVALID', async () => {
    const key = new TextEncoder().encode(SECRET);
    const jwt = await new SignJWT({ room: 'r' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('parley').setAudience('elsewhere').setExpirationTime('1m').sign(key);
    expect((await rejection(tokens.verify(jwt))).code).toBe('TOKEN_INVALID');
  });

  it('makes random secrets long enough for the config schema', () => {
    const a = TokenService.randomSecret();
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(TokenService.randomSecret()).not.toBe(a);
  });
});

describe('turnCredentials (coturn REST scheme)', () => {
  it('uses "expiry:user" and base64 HMAC-SHA1 of it', () => {
    const nowMs = 1_700_000_000_123;
    const { username, credential } = turnCredentials('turn-shared-secret', 'alice', 3600, nowMs);
    expect(username).toBe('1700003600:alice');
    const expected = createHmac('sha1', 'turn-shared-secret').update('1700003600:alice').digest('base64');
    expect(credential).toBe(expected);
    expect(Buffer.from(credential, 'base64')).toHaveLength(20);
  });

  it('is the same value coturn computes for a known vector', () => {
    // HMAC-SHA1(key="secret", "1:u") computed independently of this module.
    expect(turnCredentials('secret', 'u', 1, 0).credential).toBe(createHmac('sha1', Buffer.from('secret')).update(Buffer.from('1:u')).digest().toString('base64'));
  });

  it('iceServersFor appends fresh TURN credentials to the static servers', () => {
    const stun = { urls: 'stun:127.0.0.1:3478' };
    expect(iceServersFor('alice', [stun], undefined)).toEqual([stun]);
    const out = iceServersFor('alice', [stun], { urls: ['turn:127.0.0.1:3478'], secret: 's3cret!!', ttlS: 600 });
    expect(out).toHaveLength(2);
    expect(out[1]).toMatchObject({ urls: ['turn:127.0.0.1:3478'], username: expect.stringMatching(/^\d+:alice$/) });
  });
});
