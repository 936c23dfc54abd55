import {
  Attr, StunDecodeError, decodePasswordAlgorithm, getAttribute, longTermKey, readText, verifyIntegrity, verifyIntegritySha256,
  PasswordAlgorithm, type DecodedStunMessage, type PasswordAlgorithmName,
} from '@parley/stun';
import type { NonceIssuer, TurnCredentials } from './credentials.ts';

export interface Authenticated {
  ok: true;
  username: string;
  quotaKey: string;
  key: Buffer;
  /** Answer with MESSAGE-INTEGRITY-SHA256 when the request used it (RFC 8489 §9.2.4). */
  sha256: boolean;
}

export interface Refused {
  ok: false;
  code: 400 | 401 | 438;
  /** 401 and 438 carry REALM and a fresh NONCE. */
  challenge: boolean;
}

/**
 * RFC 8489 §9.2.4, long-term credentials, in the RFC's order: no integrity → 401 with a
 * challenge; integrity without USERNAME/REALM/NONCE → 400; a nonce we did not issue or that
 * expired → 438; an unknown user or a wrong key → 401.
 */
export function authenticate(msg: DecodedStunMessage, realm: string, credentials: TurnCredentials, nonces: NonceIssuer): Authenticated | Refused {
  const hasMi = getAttribute(msg, Attr['MESSAGE-INTEGRITY']) !== undefined;
  const hasSha = getAttribute(msg, Attr['MESSAGE-INTEGRITY-SHA256']) !== undefined;
  if (!hasMi && !hasSha) return { ok: false, code: 401, challenge: true };
  let username: string | undefined, nonce: string | undefined, msgRealm: string | undefined;
  let algorithm: PasswordAlgorithmName = 'MD5';
  try {
    username = readText(msg, Attr.USERNAME);
    nonce = readText(msg, Attr.NONCE);
    msgRealm = readText(msg, Attr.REALM);
    const alg = getAttribute(msg, Attr['PASSWORD-ALGORITHM']);
    if (alg) {
      const { algorithm: a } = decodePasswordAlgorithm(alg);
      if (a === PasswordAlgorithm['SHA-256']) algorithm = 'SHA-256';
      else if (a !== PasswordAlgorithm.MD5) return { ok: false, code: 400, challenge: false };
    }
  } catch (err) {
    if (err instanceof StunDecodeError) return { ok: false, code: 400, challenge: false };
    throw err;
  }
  if (username === undefined || nonce === undefined || msgRealm === undefined) return { ok: false, code: 400, challenge: false };
  if (!nonces.valid(nonce)) return { ok: false, code: 438, challenge: true };
  if (msgRealm !== realm) return { ok: false, code: 401, challenge: true };
  const user = credentials.lookup(username);
  if (!user) return { ok: false, code: 401, challenge: true };
  const key = longTermKey(username, realm, user.password, algorithm);
  const good = hasSha ? verifyIntegritySha256(msg, key) : verifyIntegrity(msg, key);
  if (!good) return { ok: false, code: 401, challenge: true };
  return { ok: true, username, quotaKey: user.quotaKey, key, sha256: hasSha };
}
