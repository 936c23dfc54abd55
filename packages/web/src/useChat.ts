import { useEffect, useReducer } from 'react';
import type { Chat } from '@parley/client';

/** Re-renders when chat messages or the unread count change. */
export function useChat(chat: Chat | undefined): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => chat?.on('updated', bump), [chat]);
}
