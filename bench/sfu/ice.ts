/**
 * The bench endpoint's ICE (RFC 8445), reduced to one host candidate on each side: connectivity checks toward the
 * server's candidate, and answers to the server's own checks when it is a full agent (Janus/libnice). Against an
 * ICE-lite server (Parley) we are controlling and nominate at once (RFC 8445 §7.2.2, USE-CANDIDATE).
 */
import { randomBytes } from 'node:crypto';
import { handleStunDatagram } from '@parley/media';
import { Attr, StunMessageBuilder, StunMethod, decodeMessage, getAttribute, shortTermKey, verifyIntegrity } from '@parley/stun';

export interface IceCredentials {
  ufrag: string;
  pwd: string;
}

export interface CheckOptions {
  local: IceCredentials;
  remote: IceCredentials;
  controlling: boolean;
  /** RFC 8445 §7.3.1.1: the 64-bit tie-breaker, fixed per agent. */
  tieBreaker: Buffer;
  /** Add USE-CANDIDATE (controlling only). */
  nominate: boolean;
}

/** RFC 8445 §5.1.2.1: a peer-reflexive priority for a host-type check (type preference 110). */
const PRFLX_PRIORITY = (110 << 24) | (65535 << 8) | 255;

/** ice-ufrag / ice-pwd made of ice-chars (RFC 8839 §5.4), 8 and 24 characters. */
export function createCredentials(): IceCredentials {
  return { ufrag: randomBytes(6).toString('base64'), pwd: randomBytes(18).toString('base64') };
}

export function createTieBreaker(): Buffer {
  return randomBytes(8);
}

/**
 * A Binding request (RFC 8445 §7.2.2): USERNAME "remote:local", PRIORITY, ICE-CONTROLLING or ICE-CONTROLLED,
 * USE-CANDIDATE when nominating, MESSAGE-INTEGRITY with the remote password, FINGERPRINT.
 */
export function bindingRequest(o: CheckOptions): { transactionId: Buffer; datagram: Buffer } {
  const b = new StunMessageBuilder(StunMethod.Binding, 'request')
    .text(Attr.USERNAME, `${o.remote.ufrag}:${o.local.ufrag}`)
    .uint32(Attr.PRIORITY, PRFLX_PRIORITY >>> 0)
    .add(o.controlling ? Attr['ICE-CONTROLLING'] : Attr['ICE-CONTROLLED'], o.tieBreaker);
  if (o.nominate && o.controlling) b.add(Attr['USE-CANDIDATE'], Buffer.alloc(0));
  const datagram = b.encode({ integrity: shortTermKey(o.remote.pwd), fingerprint: true });
  return { transactionId: b.message.transactionId, datagram };
}

export type StunVerdict =
  /** A success response to one of our checks (integrity verified with the remote password). */
  | { kind: 'success'; transactionId: Buffer }
  /** The server's check, authenticated with our password: send `response` back to its source. */
  | { kind: 'request'; response: Buffer; nominated: boolean }
  | { kind: 'other'; reason: string };

/** Classifies one STUN datagram from the server. */
export function handleStun(datagram: Buffer, source: { address: string; port: number }, local: IceCredentials, remote: IceCredentials): StunVerdict {
  const answer = handleStunDatagram(datagram, source, (ufrag) => (ufrag === local.ufrag ? local.pwd : undefined));
  if (answer.kind === 'binding') return { kind: 'request', response: answer.response, nominated: answer.nominated };
  if (answer.kind !== 'ignored') return { kind: 'other', reason: answer.kind };
  let msg;
  try {
    msg = decodeMessage(datagram);
  } catch (err) {
    return { kind: 'other', reason: String(err) };
  }
  if (msg.method !== StunMethod.Binding) return { kind: 'other', reason: `method 0x${msg.method.toString(16)}` };
  if (msg.cls === 'error') return { kind: 'other', reason: 'error response' };
  if (msg.cls !== 'success') return { kind: 'other', reason: answer.reason };
  if (!getAttribute(msg, Attr['MESSAGE-INTEGRITY']) || !verifyIntegrity(msg, shortTermKey(remote.pwd))) return { kind: 'other', reason: 'response without valid MESSAGE-INTEGRITY' };
  return { kind: 'success', transactionId: msg.transactionId };
}
