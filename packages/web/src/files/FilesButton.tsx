import { useEffect } from 'react';
import type { FileTransfers } from '@parley/client';
import { useTransferUpdates } from './useFileTransfers.ts';
import './files.css';

/** The footer button: "Files", with the number of transfers in progress. */
export function FilesButton({ files, pressed, onClick }: { files: FileTransfers; pressed: boolean; onClick: () => void }) {
  useTransferUpdates(files);
  const running = files.transfers.filter((t) => !t.ended).length;
  return (
    <button aria-pressed={pressed} aria-label={running ? `Files, ${running} in progress` : 'Files'} onClick={onClick}>
      Files{running > 0 && <span className="badge">{running}</span>}
    </button>
  );
}

/** Calls `open` when someone starts sending us a file, so the person sees it arrive. */
export function useOpenOnIncoming(files: FileTransfers | undefined, open: () => void): void {
  useEffect(() => files?.on('transferStarted', (t) => t.direction === 'incoming' && open()), [files, open]);
}
