import { randomBytes } from 'node:crypto';
import {
  Attr,
  StunDecodeError,
  StunMessageBuilder,
  StunMethod,
  decodeMessage,
  getAttribute,
  readText,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
  type DecodedStunMessage,
} from '@parley/stun';

/** The local half of RFC 8445 §5.3 credentials: ice-ufrag and ice-pwd as written into our SDP. */
export interface IceParameters {
  usernameFragment: string;
  password: string;
}

export interface IceAddress {
  address: string;
  port: number;
  /** 'tcp' for an ICE-TCP connection (RFC 6544), named by the client's side of it; default 'udp'. */
  transport?: 'udp' | 'tcp';
}

/** One string per transport address, for maps: the same address and port over UDP and TCP are two paths. */
export function addressKey(address: IceAddress): string {
  return `${address.transport ?? 'udp'}:${address.address}:${address.port}`;
}

/**
 * RFC 8839 §5.4: ice-ufrag is at least 4 ice-chars, ice-pwd at least 22. We use 8 and 24 ice-chars
 * (ALPHA / DIGIT / "+" / "/"), 48 and 144 bits of entropy.
 */
export function createIceParameters(): IceParameters {
  // Byte counts divisible by 3: base64 without padding, and every base64 character is an ice-char.
  return { usernameFragment: randomBytes(6).toString('base64'), password: randomBytes(18).toString('base64') };
}

/** What a lite agent does with one STUN datagram (RFC 8445 §7.3, RFC 8489 §6.3). */
export type IceLiteVerdict =
  | { kind: 'not-stun'; reason: string }
  /** A Binding request whose USERNAME names no local fragment we know: drop, never answer (no oracle, no reflection). */
  | { kind: 'unknown-username'; localUsernameFragment: string | undefined }
  /** Not something a lite agent answers (responses, indications, other methods, missing attributes): drop. */
  | { kind: 'ignored'; reason: string }
  /** The fragment is ours but MESSAGE-INTEGRITY fails: answer 401 (RFC 8489 §9.1.3), without integrity. */
  | { kind: 'unauthenticated'; localUsernameFragment: string; response: Buffer }
  /** An authenticated check: answer success; `nominated` when it carries USE-CANDIDATE (RFC 8445 §7.3.1.5). */
  | { kind: 'binding'; localUsernameFragment: string; remoteUsernameFragment: string; nominated: boolean; priority: number | undefined; response: Buffer };

/** Cheap peek for the demultiplexer: the local fragment in a Binding request's USERNAME ("local:remote"). */
export function parseIceUsername(username: string): { local: string; remote: string } | undefined {
  const colon = username.indexOf(':');
  if (colon <= 0 || colon === username.length - 1) return undefined;
  return { local: username.slice(0, colon), remote: username.slice(colon + 1) };
}

/**
 * The lite agent's whole ICE behaviour (RFC 8445 §2.5): it never sends checks, it answers the full agent's
 * Binding requests. `lookup` returns the local password for a local username fragment, or undefined.
 */
export function handleStunDatagram(datagram: Buffer, source: IceAddress, lookup: (localUsernameFragment: string) => string | undefined): IceLiteVerdict {
  let msg: DecodedStunMessage;
  try {
    msg = decodeMessage(datagram);
  } catch (err) {
    if (err instanceof StunDecodeError) return { kind: 'not-stun', reason: `${err.code}: ${err.message}` };
    throw err;
  }
  if (msg.method !== StunMethod.Binding || msg.cls !== 'request') return { kind: 'ignored', reason: `STUN method 0x${msg.method.toString(16)} class ${msg.cls}` };
  // RFC 8445 §7.2.2: ICE requests carry FINGERPRINT; one that does not verify is not ours to answer.
  if (getAttribute(msg, Attr.FINGERPRINT) && !verifyFingerprint(msg)) return { kind: 'ignored', reason: 'FINGERPRINT mismatch' };
  let username: string | undefined;
  try {
    username = readText(msg, Attr.USERNAME);
  } catch {
    return { kind: 'ignored', reason: 'malformed USERNAME' };
  }
  if (!username || !getAttribute(msg, Attr['MESSAGE-INTEGRITY'])) return { kind: 'ignored', reason: 'Binding request without USERNAME or MESSAGE-INTEGRITY' };
  const parts = parseIceUsername(username);
  const password = parts ? lookup(parts.local) : undefined;
  if (!parts || password === undefined) return { kind: 'unknown-username', localUsernameFragment: parts?.local };
  const key = shortTermKey(password);
  if (!verifyIntegrity(msg, key)) {
    // RFC 8489 §9.1.3: 401 without MESSAGE-INTEGRITY, since the client's key is not known to be the shared one.
    const response = new StunMessageBuilder(StunMethod.Binding, 'error', msg.transactionId).errorCode(401, 'Unauthenticated').encode({ fingerprint: true });
    return { kind: 'unauthenticated', localUsernameFragment: parts.local, response };
  }
  const priorityValue = getAttribute(msg, Attr.PRIORITY);
  const priority = priorityValue?.length === 4 ? priorityValue.readUInt32BE(0) : undefined;
  // RFC 8445 §7.3: the success response reflects the source transport address; integrity with our ice-pwd.
  const response = new StunMessageBuilder(StunMethod.Binding, 'success', msg.transactionId)
    .xorAddress(Attr['XOR-MAPPED-ADDRESS'], source)
    .encode({ integrity: key, fingerprint: true });
  return {
    kind: 'binding',
    localUsernameFragment: parts.local,
    remoteUsernameFragment: parts.remote,
    nominated: getAttribute(msg, Attr['USE-CANDIDATE']) !== undefined,
    priority,
    response,
  };
}
