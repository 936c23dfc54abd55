import { randomBytes } from 'node:crypto';
import { ProtocolError, SUPPORTED_VERSIONS, negotiateVersion, parseClientMessage, type Hello, type Welcome } from '@parley/protocol';
import { iceServersFor, type RoomTokenClaims, type TokenService } from './auth.ts';
import type { Config } from './config.ts';
import type { Metrics } from './metrics.ts';
import type { Room } from './room.ts';
import { Session } from './session.ts';

/**
 * What a hello takes before any room is touched: the size limit, a parsed `hello` first, a common version, a
 * valid token that grants joining. Throws ProtocolError.
 */
export async function checkHello(raw: string, config: Config, tokens: TokenService): Promise<{ hello: Hello; version: number; claims: RoomTokenClaims }> {
  if (Buffer.byteLength(raw) > config.signaling.maxMessageBytes) throw new ProtocolError('MESSAGE_TOO_LARGE', 'hello is too large');
  const parsed = parseClientMessage(raw);
  if (!parsed.ok) throw parsed.error.code === 'UNKNOWN_TYPE' ? new ProtocolError('PROTOCOL_VIOLATION', 'the first message must be hello') : parsed.error;
  const hello = parsed.message;
  if (hello.type !== 'hello') throw new ProtocolError('PROTOCOL_VIOLATION', 'the first message must be hello');
  const version = negotiateVersion(hello.versions);
  if (version === undefined) throw new ProtocolError('UNSUPPORTED_VERSION', `no common protocol version (server speaks ${SUPPORTED_VERSIONS.join(', ')})`);
  const claims = await tokens.verify(hello.token);
  if (!claims.grants.join) throw new ProtocolError('FORBIDDEN', 'this token does not grant joining');
  return { hello, version, claims };
}

/** A fresh session for a verified newcomer to `room` (not yet added to it). */
export function newSession(room: Room, claims: RoomTokenClaims, config: Config, metrics: Metrics, onExpired: (s: Session) => void): Session {
  const participant = { id: randomBytes(8).toString('base64url'), identity: claims.identity, name: claims.name, metadata: claims.metadata, joinedAt: Date.now() };
  const session = new Session({
    roomId: room.id,
    participant,
    grants: { publish: claims.grants.publish, subscribe: claims.grants.subscribe },
    resumeGraceMs: config.signaling.resumeGraceMs,
    maxBufferedNotifications: config.signaling.maxBufferedNotifications,
    ratePerSecond: config.signaling.ratePerSecond,
    rateBurst: config.signaling.rateBurst,
    onExpired,
    onTransportChanged: (from, to) => {
      if (from) metrics.sessions.dec({ transport: from });
      if (to) metrics.sessions.inc({ transport: to });
    },
  });
  metrics.sessions.inc({ transport: 'detached' });
  return session;
}

/** The welcome: the chosen version, who we are, fresh ICE servers, the room as it is now, and how to resume. */
export function welcomeFor(
  id: string | undefined, version: number, session: Session, room: Room, resumed: boolean, config: Config, turn: { urls: string[]; secret: string; ttlS: number } | undefined,
): Welcome {
  return {
    type: 'welcome',
    ...(id !== undefined ? { id } : {}),
    protocolVersion: version,
    sessionId: session.id,
    participantId: session.participant.id,
    resumeToken: session.resumeToken,
    resumeGraceMs: config.signaling.resumeGraceMs,
    iceServers: iceServersFor(session.participant.identity, config.ice.servers, config.ice.turn ?? turn),
    room: room.state(),
    seq: session.seq,
    resumed,
  };
}
