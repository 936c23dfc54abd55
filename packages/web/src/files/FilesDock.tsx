import { useEffect, useState } from 'react';
import type { Room } from '@parley/client';
import { FilesPanel } from './FilesPanel.tsx';
import { useFileTransfers } from './useFileTransfers.ts';
import './files.css';

/**
 * File transfer for a call, mounted once: a "Files" button (with the number of running
 * transfers) that opens the panel. The panel opens by itself when someone sends us a file.
 */
export function FilesDock({ room }: { room: Room }) {
  const files = useFileTransfers(room);
  const [open, setOpen] = useState(false);
  useEffect(() => files?.on('transferStarted', (t) => t.direction === 'incoming' && setOpen(true)), [files]);
  if (!files) return null;
  const running = files.transfers.filter((t) => !t.ended).length;
  if (open) return <FilesPanel room={room} files={files} onClose={() => setOpen(false)} />;
  return (
    <button className="files-toggle" aria-label={running ? `Files, ${running} in progress` : 'Files'} onClick={() => setOpen(true)}>
      Files{running > 0 && <span className="badge">{running}</span>}
    </button>
  );
}
