import { randomBytes } from 'node:crypto';
import {
  type AudioOnly,
  ProtocolError, assertNever, parseClientMessage,
  CloseCodes, type ClientMessage, type ErrorCode, type TopologyPolicy, type Welcome,
} from '@parley/protocol';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { TokenService } from './auth.ts';
import { checkHello, newSession, welcomeFor } from './hello.ts';
import { Room } from './room.ts';
import type { Session, SessionTransport, TransportKind } from './session.ts';
import type { SfuService } from './sfu.ts';
import type { McuService } from './mcu.ts';
import { applyTopology, type TopologyHost } from './topology.ts';
import { relayChat, relayPeerMessage } from './relay.ts';
import { handleMediaRequest } from './media-requests.ts';
import { errorReply, type FrameResult, type Handled, type Reply } from './replies.ts';

export { errorReply, type FrameResult, type Reply };

export interface HelloResult {
  session: Session;
  welcome: Welcome;
  /** The client has processed notifications up to here; attach with it. */
  lastSeq: number;
}

export interface SignalingDeps {
  config: Config;
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  /** The built-in TURN server's URLs and REST secret, when it runs (config.ice.turn wins otherwise). */
  turn?: { urls: string[]; secret: string; ttlS: number };
  /** The SFU, when its media port is open; rooms stay mesh without it. */
  sfu?: SfuService;
  /** The MCU, unless turned off; `mcu` rooms are refused without it. */
  mcu?: McuService;
}

/** Rooms, sessions and the signaling state machine. Transports feed it frames; it never touches sockets. */
export class SignalingService {
  readonly #rooms = new Map<string, Room>();
  readonly #sessions = new Map<string, Session>();
  readonly #deps: SignalingDeps;
  readonly #log: Logger;
  readonly #topologyHost: TopologyHost;

  // Label children bound once: no label object hashed per message on the relay path.
  readonly #relayed;
  readonly #received;

  constructor(deps: SignalingDeps) {
    this.#deps = deps;
    const { messagesRelayed, messagesReceived } = deps.metrics;
    this.#relayed = { offer: messagesRelayed.labels('offer'), answer: messagesRelayed.labels('answer'), candidate: messagesRelayed.labels('candidate') };
    this.#received = { websocket: messagesReceived.labels('websocket'), sse: messagesReceived.labels('sse'), longpoll: messagesReceived.labels('longpoll') };
    this.#log = deps.logger.child({ component: 'signaling' });
    this.#topologyHost = {
      meshReturnDelayMs: deps.config.rooms.meshReturnDelayMs,
      log: this.#log,
      isOpen: (room) => this.#rooms.get(room.id) === room,
      changed: (room) => deps.mcu?.roomChanged(room),
    };
  }

  get roomCount(): number {
    return this.#rooms.size;
  }
  get sessionCount(): number {
    return this.#sessions.size;
  }
  getRoom(id: string): Room | undefined {
    return this.#rooms.get(id);
  }
  getSession(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  createRoom(id: string = randomBytes(6).toString('base64url'), maxParticipants?: number, policy?: TopologyPolicy, meshMax?: number, audioOnly?: AudioOnly): Room {
    const existing = this.#rooms.get(id);
    if (existing) return existing;
    const { rooms } = this.#deps.config;
    if (this.#rooms.size >= rooms.maxRooms) throw new ProtocolError('CAPACITY_EXCEEDED', 'this server has reached its room limit');
    const wanted = audioOnly ? 'sfu' : (policy ?? rooms.topology);
    if (wanted === 'sfu' && !this.#deps.sfu) throw new ProtocolError('SFU_UNAVAILABLE', 'this server runs no SFU (media.enabled is off or its port is taken)');
    if (wanted === 'mcu' && !this.#deps.mcu?.available()) throw new ProtocolError('MCU_UNAVAILABLE', 'this server cannot mix media (mcu.enabled is off or its engine did not load)');
    // Without an SFU an `auto` room simply stays mesh.
    const effective = this.#deps.sfu || wanted === 'mcu' ? wanted : 'mesh';
    const room = new Room(id, Math.min(maxParticipants ?? rooms.maxParticipants, rooms.maxParticipants), effective, meshMax ?? rooms.meshMax, audioOnly);
    this.#rooms.set(id, room);
    this.#deps.metrics.rooms.set(this.#rooms.size);
    room.startEmptyTimer(rooms.emptyTtlMs, () => this.#deleteRoomIfEmpty(room));
    return room;
  }

  #deleteRoomIfEmpty(room: Room): void {
    if (room.size > 0 || this.#rooms.get(room.id) !== room) return;
    this.#rooms.delete(room.id);
    clearTimeout(room.meshReturnTimer);
    this.#deps.sfu?.releaseRoom(room);
    this.#deps.mcu?.releaseRoom(room);
    this.#deps.metrics.rooms.set(this.#rooms.size);
    this.#log.debug({ room: room.id }, 'room deleted (empty)');
  }

  /** Brings scrape-time metrics (the SFU's counters) up to date. */
  collectMetrics(): void {
    this.#deps.sfu?.collectMetrics();
    this.#deps.mcu?.collectMetrics();
  }

  #countError(error: ProtocolError): void {
    this.countError(error.code);
  }

  countError(code: ErrorCode): void {
    this.#deps.metrics.errors.inc({ code });
  }

  /** Handles the first frame of a transport, which must be a `hello`. Throws ProtocolError. */
  async hello(raw: string, kind: TransportKind): Promise<HelloResult> {
    try {
      return await this.#hello(raw, kind);
    } catch (err) {
      const error = err instanceof ProtocolError ? err : new ProtocolError('INTERNAL_ERROR', 'internal error');
      if (!(err instanceof ProtocolError)) this.#log.error({ err }, 'hello failed');
      this.#countError(error);
      throw error;
    }
  }

  async #hello(raw: string, kind: TransportKind): Promise<HelloResult> {
    const { config, tokens, metrics } = this.#deps;
    const { hello, version, claims } = await checkHello(raw, config, tokens);

    if (hello.resume) {
      const { sessionId, resumeToken, lastSeq } = hello.resume;
      const session = this.#sessions.get(sessionId);
      const valid = session && !session.closed && session.checkResumeToken(resumeToken) && session.participant.identity === claims.identity && session.roomId === claims.room;
      if (!valid || !session.canResumeFrom(lastSeq)) {
        metrics.resumes.inc({ outcome: 'failed' });
        throw new ProtocolError('RESUME_FAILED', 'the session cannot be resumed; join again');
      }
      metrics.resumes.inc({ outcome: 'ok' });
      const room = this.#rooms.get(session.roomId);
      this.#log.info({ room: session.roomId, participant: session.participant.id, transport: kind }, 'session resumed');
      return { session, lastSeq, welcome: welcomeFor(hello.id, version, session, room as Room, true, config, this.#deps.turn) };
    }

    let room = this.#rooms.get(claims.room);
    if (!room) {
      if (!config.rooms.autoCreate) throw new ProtocolError('ROOM_NOT_FOUND', `room "${claims.room}" does not exist`);
      room = this.createRoom(claims.room);
    }
    const previous = room.byIdentity(claims.identity);
    if (previous) this.removeSession(previous, 'replaced');
    if (room.full) throw new ProtocolError('ROOM_FULL', `room "${room.id}" is full (${room.maxParticipants} participants)`);
    if (this.#sessions.size >= config.signaling.maxSessions) throw new ProtocolError('CAPACITY_EXCEEDED', 'this server has reached its session limit');

    const session = newSession(room, claims, config, metrics, (s) => this.removeSession(s, 'timeout'));
    const participant = session.participant;
    room.broadcast({ type: 'participantJoined', participant });
    room.add(session);
    // The newcomer learns the topology from its welcome; the others from the notification.
    applyTopology(room, this.#topologyHost, participant.id);
    this.#deps.mcu?.roomChanged(room);
    this.#sessions.set(session.id, session);
    metrics.joins.inc();
    metrics.participants.inc();
    this.#log.info({ room: room.id, participant: participant.id, transport: kind }, 'participant joined');
    return { session, lastSeq: 0, welcome: welcomeFor(hello.id, version, session, room, false, config, this.#deps.turn) };
  }

  /** Removes a participant for good and tells the others. Idempotent. */
  removeSession(session: Session, reason: 'left' | 'timeout' | 'replaced' | 'kicked'): void {
    if (!this.#sessions.delete(session.id)) return;
    // Told, not just dropped: these two must not make the client resume or rejoin by itself.
    const told = reason === 'replaced' ? new ProtocolError('REPLACED', 'the same identity joined from elsewhere') : reason === 'kicked' ? new ProtocolError('KICKED', 'you were removed from the room') : undefined;
    if (told) session.reply(errorReply(told));
    session.close(told ? CloseCodes.policyViolation : CloseCodes.normal, told?.code ?? reason);
    this.#deps.metrics.participants.dec();
    this.#deps.sfu?.leave(session);
    this.#deps.mcu?.leave(session);
    const room = this.#rooms.get(session.roomId);
    if (!room) return;
    room.remove(session.participant.id);
    room.broadcast({ type: 'participantLeft', participantId: session.participant.id, reason });
    applyTopology(room, this.#topologyHost);
    this.#deps.mcu?.roomChanged(room);
    this.#log.info({ room: room.id, participant: session.participant.id, reason }, 'participant left');
    if (room.size === 0) room.startEmptyTimer(this.#deps.config.rooms.emptyTtlMs, () => this.#deleteRoomIfEmpty(room));
  }

  /**
   * Handles one frame from an established session; `respond` gets the reply, if any, before any
   * consequence (such as leaving) takes effect. Never throws.
   */
  handleFrame(session: Session, raw: string, kind: TransportKind, respond: (reply: Reply) => void): FrameResult {
    const handled = this.#handle(session, raw, kind);
    if (handled.reply) respond(handled.reply);
    handled.after?.();
    const pending = handled.later?.then(respond);
    return { ...(handled.violation ? { violation: handled.violation } : {}), ...(pending ? { pending } : {}) };
  }

  /** Attaches a transport to a session and replays what the client missed. */
  attach(session: Session, transport: SessionTransport, lastSeq: number): void {
    const replayed = session.attach(transport, lastSeq);
    if (replayed > 0) this.#deps.metrics.replayed.inc(replayed);
  }

  #handle(session: Session, raw: string, kind: TransportKind): Handled {
    this.#received[kind].inc();
    if (session.closed) return { reply: errorReply(new ProtocolError('SESSION_CLOSED', 'the session has ended')) };
    if (Buffer.byteLength(raw) > this.#deps.config.signaling.maxMessageBytes) {
      return this.#reject(session, new ProtocolError('MESSAGE_TOO_LARGE', `messages are limited to ${this.#deps.config.signaling.maxMessageBytes} bytes`));
    }
    if (!session.inbound.take()) return this.#reject(session, new ProtocolError('RATE_LIMITED', 'too many messages; slow down'));
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.#reject(session, parsed.error, parsed.id, parsed.type);
    try {
      return this.#dispatch(session, parsed.message);
    } catch (err) {
      const error = err instanceof ProtocolError ? err : new ProtocolError('INTERNAL_ERROR', 'internal error');
      if (!(err instanceof ProtocolError)) this.#log.error({ err, participant: session.participant.id }, 'message handler failed');
      return this.#reject(session, error, 'id' in parsed.message ? parsed.message.id : undefined, parsed.message.type);
    }
  }

  /** The error reply to a request that failed after its frame was handled (no violation counting: it was valid). */
  #failed(session: Session, err: unknown, id: string, ref: string): Reply {
    const error = err instanceof ProtocolError ? err : new ProtocolError('INTERNAL_ERROR', 'internal error');
    if (!(err instanceof ProtocolError)) this.#log.error({ err, participant: session.participant.id }, `${ref} failed`);
    this.#countError(error);
    return errorReply(error, id, ref);
  }

  #reject(session: Session, error: ProtocolError, id?: string, ref?: string): Handled {
    this.#countError(error);
    const result: Handled = { reply: errorReply(error, id, ref) };
    if (error.code !== 'RATE_LIMITED' && !session.violations.take()) result.violation = 'too many invalid messages';
    return result;
  }

  #ok(id: string | undefined, data?: unknown): Handled {
    return id === undefined ? {} : { reply: { type: 'response', id, ok: true, ...(data !== undefined ? { data } : {}) } };
  }

  #dispatch(session: Session, msg: ClientMessage): Handled {
    switch (msg.type) {
      case 'hello':
        return { reply: errorReply(new ProtocolError('PROTOCOL_VIOLATION', 'hello was already received'), msg.id), violation: 'second hello' };
      case 'ack':
        session.ack(msg.seq);
        return {};
      case 'ping':
        return this.#ok(msg.id, { now: Date.now() });
      case 'leave':
        return { ...this.#ok(msg.id), after: () => this.removeSession(session, 'left') };
      case 'update': {
        const room = this.#rooms.get(session.roomId);
        session.participant = { ...session.participant, ...(msg.name !== undefined ? { name: msg.name } : {}), ...(msg.metadata !== undefined ? { metadata: msg.metadata } : {}) };
        room?.broadcast({ type: 'participantUpdated', participant: session.participant });
        this.#deps.mcu?.rename(session);
        return this.#ok(msg.id, session.participant);
      }
      case 'offer':
      case 'answer':
      case 'candidate':
        relayPeerMessage(this.#rooms.get(session.roomId), session, msg);
        this.#relayed[msg.type].inc();
        return this.#ok(msg.id);
      case 'chat': {
        const { sentAt, relayed } = relayChat(this.#roomOf(session), session, msg, this.#deps.config.rooms.chatHistory);
        if (relayed) this.#deps.metrics.messagesRelayed.inc({ type: 'chat' });
        return this.#ok(msg.id, { sentAt });
      }
      case 'chatHistory':
        return this.#ok(msg.id, { messages: this.#rooms.get(session.roomId)?.chatHistory() ?? [] });
      case 'sfuOffer':
      case 'sfuPreference':
      case 'sfuLeave':
      case 'mcuOffer':
      case 'mcuDownlink': {
        const result = handleMediaRequest(this.#deps, session, this.#rooms.get(session.roomId), msg);
        if (!('later' in result)) return this.#ok(msg.id, result.data);
        const id = msg.id ?? '';
        return { later: result.later.then((data) => this.#ok(id, data).reply as Reply, (err: unknown) => this.#failed(session, err, id, msg.type)) };
      }
      case 'mediaState': {
        const { audio, video, sources } = msg;
        this.#roomOf(session).broadcast({ type: 'mediaState', from: session.participant.id, audio, video, sources }, session.participant.id);
        this.#deps.mcu?.mediaState(session, sources);
        return this.#ok(msg.id);
      }
      default:
        return assertNever(msg);
    }
  }

  #roomOf(session: Session): Room {
    const room = this.#rooms.get(session.roomId);
    if (!room) throw new ProtocolError('ROOM_NOT_FOUND', 'the room is gone');
    return room;
  }

  /** Removes a participant at the operator's request (REST API). */
  kick(roomId: string, participantId: string): void {
    const session = this.#rooms.get(roomId)?.get(participantId);
    if (!session) throw new ProtocolError('UNKNOWN_PARTICIPANT', `no participant "${participantId}" in room "${roomId}"`);
    this.removeSession(session, 'kicked');
  }

  /** Closes every session (server shutdown). */
  closeAll(code: number, reason: string): void {
    for (const s of this.#sessions.values()) s.close(code, reason);
    this.#sessions.clear();
    for (const room of this.#rooms.values()) {
      room.cancelEmptyTimer();
      clearTimeout(room.meshReturnTimer);
    }
    this.#rooms.clear();
  }
}

export type { SessionTransport };
