import { useEffect, useRef, useState } from 'react';
import type { Chat } from '@parley/client';
import { useChat } from './useChat.ts';
import { PanelHeader } from './PanelHeader.tsx';

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function ChatPanel({ chat, selfId, onClose }: { chat: Chat; selfId: string | undefined; onClose: () => void }) {
  useChat(chat);
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    chat.markRead();
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  });

  const send = async (e: React.FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (!value) return;
    setText('');
    setError(undefined);
    try {
      await chat.send(value);
    } catch (err) {
      setError((err as Error).message);
      setText(value);
    }
  };

  return (
    <aside className="panel chat" aria-label="chat">
      <PanelHeader title="Chat" what="chat" onClose={onClose} />
      <ol ref={list} className="messages" aria-live="polite">
        {chat.messages.length === 0 && <li className="empty">No messages yet. Say hello!</li>}
        {chat.messages.map((m) => (
          <li key={m.id} className={m.from === selfId ? 'mine' : undefined} data-message-id={m.id}>
            <span className="who">{m.from === selfId ? 'You' : m.fromName}</span>
            <time>{time(m.sentAt)}</time>
            <p>{m.text}</p>
          </li>
        ))}
      </ol>
      {error && <p role="alert" className="error">{error}</p>}
      <form onSubmit={send} className="row">
        <input aria-label="message" value={text} maxLength={2000} onChange={(e) => setText(e.target.value)} placeholder="Message everyone" />
        <button type="submit" className="primary" disabled={!text.trim()}>Send</button>
      </form>
    </aside>
  );
}
