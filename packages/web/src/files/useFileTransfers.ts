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
 * deleted on unmount). Does not re-render on transfer events: see useTransferUpdates.
 */
export function useFileTransfers(room: Room | undefined): FileTransfers | undefined {
  const [files, setFiles] = useState<FileTransfers>();
  useEffect(() => {
    if (!room) return;
    const f = new FileTransfers(room);
    window.parleyFiles = f;
    setFiles(f);
    return () => {
      if (window.parleyFiles === f) delete window.parleyFiles;
      setFiles(undefined);
      void f.dispose();
    };
  }, [room]);
  return files;
}

/** Re-renders the calling component on every transfer event (progress included): use it in small components. */
export function useTransferUpdates(files: FileTransfers | undefined): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!files) return;
    const offs = EVENTS.map((e) => files.on(e, bump));
    return () => offs.forEach((off) => off());
  }, [files]);
}
