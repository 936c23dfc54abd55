import type { AudioOnly, ChatMessage, NotificationBody, Participant, ProducerInfo, RoomState, RoomInfo, Topology, TopologyPolicy } from '@parley/protocol';
import type { RoutedProducer, Router } from '@parley/media';

/** How the room announces a producer (producerAdded, welcome.room.producers). */
export function producerInfo(r: RoutedProducer): ProducerInfo {
  return {
    id: r.producer.id,
    participantId: r.ownerId,
    kind: r.producer.kind,
    source: r.source as ProducerInfo['source'],
    streamId: r.streamId,
    ...(r.producer.rids ? { layers: r.producer.rids } : {}),
  };
}
import type { Session } from './session.ts';

/** A room: who is in it, and fan-out of notifications to them. Knows nothing about transports. */
export class Room {
  readonly id: string;
  readonly maxParticipants: number;
  readonly createdAt = Date.now();
  readonly policy: TopologyPolicy;
  readonly meshMax: number;
  /** An audio-only room: SFU from the start, microphones only, each participant hears the loudest in fixed slots. */
  readonly audioOnly: AudioOnly | undefined;
  /** How media flows now; `auto` rooms move between mesh and SFU; `mcu` rooms stay mixed. */
  topology: Topology;
  /** The room's SFU router, while the room uses (or leaves) the SFU. */
  router: Router | undefined;
  /** Pending return of a shrunk `auto` room to mesh. */
  meshReturnTimer: NodeJS.Timeout | undefined;
  readonly #members = new Map<string, Session>();
  #emptyTimer: NodeJS.Timeout | undefined;
  /** The last chat messages, oldest first (allocated on the first message). */
  #chat: ChatMessage[] | undefined;
  readonly #chatIds = new Set<string>();

  constructor(id: string, maxParticipants: number, policy: TopologyPolicy = 'mesh', meshMax = 3, audioOnly?: AudioOnly) {
    this.id = id;
    this.maxParticipants = maxParticipants;
    // No mesh phase: slots exist only on the SFU, and joining must not cost the others a renegotiation.
    this.policy = audioOnly ? 'sfu' : policy;
    this.meshMax = meshMax;
    this.audioOnly = audioOnly;
    this.topology = this.policy === 'sfu' || this.policy === 'mcu' ? this.policy : 'mesh';
  }

  /** What participants publish to the SFU, as announced to others. */
  producers(): ProducerInfo[] {
    return this.router ? this.router.producers().map(producerInfo) : [];
  }

  get size(): number {
    return this.#members.size;
  }
  get full(): boolean {
    return this.#members.size >= this.maxParticipants;
  }

  get(participantId: string): Session | undefined {
    return this.#members.get(participantId);
  }

  byIdentity(identity: string): Session | undefined {
    for (const s of this.#members.values()) if (s.participant.identity === identity) return s;
    return undefined;
  }

  participants(): Participant[] {
    return [...this.#members.values()].map((s) => s.participant);
  }

  add(session: Session): void {
    this.cancelEmptyTimer();
    this.#members.set(session.participant.id, session);
  }

  remove(participantId: string): boolean {
    return this.#members.delete(participantId);
  }

  /** Sends a notification to every member but `except`. */
  broadcast(body: NotificationBody, except?: string): void {
    for (const [id, s] of this.#members) if (id !== except) s.notify(body);
  }

  /** Keeps a chat message; false when its id was already used (a retry): do not relay it again. */
  recordChat(message: ChatMessage, keep: number): boolean {
    if (this.#chatIds.has(message.id)) return false;
    const chat = (this.#chat ??= []);
    chat.push(message);
    this.#chatIds.add(message.id);
    while (chat.length > keep) {
      const old = chat.shift();
      if (old) this.#chatIds.delete(old.id);
    }
    return true;
  }

  chatHistory(): ChatMessage[] {
    return this.#chat ? [...this.#chat] : [];
  }

  state(): RoomState {
    return { id: this.id, topology: this.topology, participants: this.participants(), producers: this.producers(), ...(this.audioOnly ? { audioOnly: this.audioOnly } : {}) };
  }

  info(): RoomInfo {
    return { id: this.id, topology: this.topology, policy: this.policy, maxParticipants: this.maxParticipants, participants: this.size, createdAt: this.createdAt, ...(this.audioOnly ? { audioOnly: this.audioOnly } : {}) };
  }

  startEmptyTimer(ms: number, onExpire: () => void): void {
    this.cancelEmptyTimer();
    this.#emptyTimer = setTimeout(onExpire, ms);
    this.#emptyTimer.unref?.();
  }

  cancelEmptyTimer(): void {
    clearTimeout(this.#emptyTimer);
    this.#emptyTimer = undefined;
  }
}
