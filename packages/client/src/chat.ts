import { ChatMessage as ChatMessageSchema, ChatText, type ChatMessage, type Notification } from '@parley/protocol';
import { Emitter } from './emitter.ts';
import { ParleyError } from './errors.ts';
import type { RemoteParticipant } from './participant.ts';
import type { Room } from './room.ts';

export type { ChatMessage };

export type ChatEvents = {
  /** A message from someone else, delivered once whichever path it took. */
  messageReceived: [message: ChatMessage];
  /** The list changed (new message, history loaded, unread count). */
  updated: [];
};

/** What travels on a direct control channel. */
interface DirectChat {
  t: 'chat';
  id: string;
  text: string;
  sentAt: number;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Room chat. A message goes over the direct data channel to everyone who has one open, and to the
 * server, which keeps it in the room history and relays it to everyone else. Receivers keep each
 * message id once, so nobody sees a message twice, whichever path (or a signaling resume) brings it.
 */
export class Chat extends Emitter<ChatEvents> {
  readonly #room: Room;
  readonly #messages: ChatMessage[] = [];
  readonly #seen = new Set<string>();
  readonly #channels = new Map<string, RTCDataChannel>();
  #unread = 0;
  #historyLoaded = false;

  constructor(room: Room) {
    super();
    this.#room = room;
    room.on('controlChannelOpened', (p, channel) => this.#attach(p, channel));
    room.on('participantLeft', (p) => this.#channels.delete(p.id));
    room.on('notification', (n) => this.#onNotification(n));
    room.on('connected', () => void this.loadHistory());
  }

  /** Every message, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }
  get unread(): number {
    return this.#unread;
  }

  markRead(): void {
    if (this.#unread === 0) return;
    this.#unread = 0;
    this.emit('updated');
  }

  /** Sends a message to the whole room; resolves once the server has it (so late joiners will see it). */
  async send(text: string): Promise<ChatMessage> {
    const checked = ChatText.safeParse(text);
    if (!checked.success) throw new ParleyError('INVALID_MESSAGE', 'a chat message is 1 to 2000 characters');
    const local = this.#room.local;
    if (!local) throw new ParleyError('CLOSED', 'not in a room');
    const id = randomId();
    const message: ChatMessage = { id, from: local.id, fromName: local.name || 'me', text: checked.data, sentAt: Date.now() };
    const direct: DirectChat = { t: 'chat', id, text: checked.data, sentAt: message.sentAt };
    const skip: string[] = [];
    for (const [participantId, channel] of this.#channels) {
      if (channel.readyState !== 'open') continue;
      try {
        channel.send(JSON.stringify(direct));
        skip.push(participantId);
      } catch {
        /* the server relays it instead */
      }
    }
    this.#add(message, false);
    const data = (await this.#room.signal.request({ type: 'chat', messageId: id, text: checked.data, skip })) as { sentAt?: number } | undefined;
    if (typeof data?.sentAt === 'number') message.sentAt = data.sentAt;
    return message;
  }

  /** Loads the room's history (late joiners see what was said before). Idempotent. */
  async loadHistory(): Promise<void> {
    if (this.#historyLoaded) return;
    this.#historyLoaded = true;
    let data: unknown;
    try {
      data = await this.#room.signal.request({ type: 'chatHistory' });
    } catch {
      this.#historyLoaded = false;
      return;
    }
    const list = (data as { messages?: unknown[] } | undefined)?.messages ?? [];
    const older: ChatMessage[] = [];
    for (const raw of list) {
      const m = ChatMessageSchema.safeParse(raw);
      if (m.success && !this.#seen.has(m.data.id)) {
        this.#seen.add(m.data.id);
        older.push(m.data);
      }
    }
    if (older.length === 0) return;
    this.#messages.unshift(...older);
    this.emit('updated');
  }

  #attach(p: RemoteParticipant, channel: RTCDataChannel): void {
    this.#channels.set(p.id, channel);
    channel.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string' || event.data.length > 8192) return;
      let value: Partial<DirectChat>;
      try {
        value = JSON.parse(event.data) as Partial<DirectChat>;
      } catch {
        return;
      }
      if (value.t !== 'chat') return;
      const message = ChatMessageSchema.safeParse({ id: value.id, from: p.id, fromName: p.name, text: value.text, sentAt: value.sentAt });
      if (message.success) this.#add(message.data, true);
    });
    channel.addEventListener('close', () => {
      if (this.#channels.get(p.id) === channel) this.#channels.delete(p.id);
    });
  }

  #onNotification(n: Notification): void {
    if (n.type === 'chatMessage') this.#add(n.message, true);
  }

  #add(message: ChatMessage, incoming: boolean): void {
    if (this.#seen.has(message.id)) return;
    this.#seen.add(message.id);
    this.#messages.push(message);
    if (incoming) {
      this.#unread++;
      this.emit('messageReceived', message);
    }
    this.emit('updated');
  }
}
