import { useEffect, useReducer, useState } from 'react';
import { FileTransfers, type Room } from '@parley/client';

declare global {
  interface Window {
    /** For tests and debugging: this page's file transfers. */
    parleyFiles?: FileTransfers;
  }
}

const EVENTS = ['transferStarted', 'transferProgressed', 'transferCompleted', 'transferFailed', 'transferCancelled'] as const;

/**
 * File transfers for this room, alive while the component is mounted (its stored files are
 * deleted on unmount). Re-renders on every transfer event.
 */
export function useFileTransfers(room: Room | undefined): FileTransfers | undefined {
  const [files, setFiles] = useState<FileTransfers>();
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!room) return;
    const f = new FileTransfers(room);
    const offs = EVENTS.map((e) => f.on(e, bump));
    window.parleyFiles = f;
    setFiles(f);
    return () => {
      offs.forEach((off) => off());
      if (window.parleyFiles === f) delete window.parleyFiles;
      setFiles(undefined);
      void f.dispose();
    };
  }, [room]);
  return files;
}
