import { ProtocolError, checkCandidate, checkSdp, type ClientMessage } from '@parley/protocol';
import type { Room } from './room.ts';
import type { Session } from './session.ts';

/**
 * Delivers an offer, answer or candidate to one participant of the sender's room, after the structural checks.
 * Throws ProtocolError: UNKNOWN_PARTICIPANT (also for yourself and other rooms' participants: rooms do not leak),
 * INVALID_SDP, INVALID_CANDIDATE. Nothing that fails a check is forwarded.
 */
export function relayPeerMessage(room: Room | undefined, session: Session, msg: Extract<ClientMessage, { type: 'offer' | 'answer' | 'candidate' }>): void {
  const target = msg.to === session.participant.id ? undefined : room?.get(msg.to);
  if (!target) throw new ProtocolError('UNKNOWN_PARTICIPANT', `no participant "${msg.to}" in this room`);
  const from = session.participant.id;
  if (msg.type === 'candidate') {
    const why = msg.candidate ? checkCandidate(msg.candidate.candidate) : undefined;
    if (why) throw new ProtocolError('INVALID_CANDIDATE', why);
    target.notify({ type: 'candidate', from, candidate: msg.candidate });
  } else {
    const why = checkSdp(msg.sdp);
    if (why) throw new ProtocolError('INVALID_SDP', why);
    target.notify({ type: msg.type, from, sdp: msg.sdp });
  }
}

/**
 * Keeps a chat message in the room's history and relays it to everyone but the sender and `skip`. A retried
 * message (same id) is acknowledged again but neither stored nor relayed twice (`relayed` false).
 */
export function relayChat(room: Room, session: Session, msg: Extract<ClientMessage, { type: 'chat' }>, keep: number): { sentAt: number; relayed: boolean } {
  const { id: from, name: fromName } = session.participant;
  const message = { id: msg.messageId, from, fromName, text: msg.text, sentAt: Date.now() };
  if (!room.recordChat(message, keep)) return { sentAt: message.sentAt, relayed: false };
  const skip = new Set(msg.skip);
  skip.add(from);
  for (const p of room.participants()) if (!skip.has(p.id)) room.get(p.id)?.notify({ type: 'chatMessage', message });
  return { sentAt: message.sentAt, relayed: true };
}
