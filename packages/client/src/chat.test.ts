import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@parley/protocol';
import { Chat } from './chat.ts';
import { Emitter } from './emitter.ts';
import type { Room, RoomEvents } from './room.ts';

/** Just what Chat uses of a Room: its events, the local participant, and signal requests. */
class FakeRoom extends Emitter<RoomEvents> {
  local = { id: 'me000001', identity: 'me', name: 'Me' };
  requests: Array<Record<string, unknown>> = [];
  history: ChatMessage[] = [];
  signal = {
    request: async (m: Record<string, unknown>) => {
      this.requests.push(m);
      return m.type === 'chatHistory' ? { messages: this.history } : { sentAt: 1000 };
    },
  };
  fire<K extends keyof RoomEvents>(event: K, ...args: RoomEvents[K]): void {
    this.emit(event, ...args);
  }
}

class FakeChannel extends EventTarget {
  readyState = 'open';
  sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  deliver(data: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }
}

const setup = () => {
  const room = new FakeRoom();
  const chat = new Chat(room as unknown as Room);
  const bob = { id: 'bob00001', name: 'Bob' };
  const channel = new FakeChannel();
  room.fire('controlChannelOpened', bob as never, channel as unknown as RTCDataChannel);
  return { room, chat, bob, channel };
};
const relayed = (message: ChatMessage, seq = 1) => ({ type: 'chatMessage' as const, seq, message });

describe('Chat state the UI reads', () => {
  it('keeps a message once whether it comes over the data channel, the server relay, or both', () => {
    const { room, chat, bob, channel } = setup();
    channel.deliver({ t: 'chat', id: 'msg-00000001', text: 'hi', sentAt: 5 });
    room.fire('notification', relayed({ id: 'msg-00000001', from: bob.id, fromName: 'Bob', text: 'hi', sentAt: 6 }));
    room.fire('notification', relayed({ id: 'msg-00000002', from: bob.id, fromName: 'Bob', text: 'again', sentAt: 7 }, 2));
    expect(chat.messages.map((m) => m.text)).toEqual(['hi', 'again']);
    expect(chat.messages[0]).toMatchObject({ from: bob.id, fromName: 'Bob' });
    expect(chat.unread).toBe(2);
    chat.markRead();
    expect(chat.unread).toBe(0);
  });

  it('sends over open direct channels and tells the server whom they reached (skip), so it relays to the rest', async () => {
    const { room, chat, bob, channel } = setup();
    const sent = await chat.send('  hello  ');
    expect(JSON.parse(channel.sent[0] ?? '{}')).toMatchObject({ t: 'chat', id: sent.id, text: 'hello' });
    expect(room.requests.at(-1)).toMatchObject({ type: 'chat', messageId: sent.id, text: 'hello', skip: [bob.id] });
    expect(sent.sentAt).toBe(1000); // the server's time
    expect(chat.messages).toHaveLength(1);
    expect(chat.unread).toBe(0); // our own messages are never unread
  });

  it('refuses empty and over-long messages before sending anything', async () => {
    const { room, chat } = setup();
    await expect(chat.send('   ')).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(chat.send('x'.repeat(2001))).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(room.requests).toHaveLength(0);
  });

  it('puts the history before live messages and does not repeat what arrived live', async () => {
    const { room, chat, bob } = setup();
    room.fire('notification', relayed({ id: 'live-0000001', from: bob.id, fromName: 'Bob', text: 'live', sentAt: 9 }));
    room.history = [
      { id: 'old-00000001', from: bob.id, fromName: 'Bob', text: 'before you came', sentAt: 1 },
      { id: 'live-0000001', from: bob.id, fromName: 'Bob', text: 'live', sentAt: 9 },
    ];
    await chat.loadHistory();
    await chat.loadHistory(); // idempotent
    expect(chat.messages.map((m) => m.text)).toEqual(['before you came', 'live']);
  });

  it('ignores junk on the control channel', () => {
    const { chat, channel } = setup();
    for (const junk of ['not json', '{"t":"chat"}', '{"t":"chat","id":"x","text":"short id"}', '{"t":"other"}', 'x'.repeat(10_000)]) channel.deliver(junk);
    expect(chat.messages).toHaveLength(0);
  });
});
