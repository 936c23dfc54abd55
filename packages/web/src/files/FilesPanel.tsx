import { useRef, useState } from 'react';
import { FileTransferError, type FileTransfers, type Room } from '@parley/client';
import { TransferItem } from './TransferItem.tsx';
import { useTransferUpdates } from './useFileTransfers.ts';
import { formatBytes } from './text.ts';
import './files.css';
import { PanelHeader } from '../PanelHeader.tsx';

interface Props {
  room: Room;
  files: FileTransfers;
  onClose: () => void;
}

/** Send a file to everyone or one person (button or drop), and follow every transfer both ways. */
export function FilesPanel({ room, files, onClose }: Props) {
  useTransferUpdates(files);
  const [to, setTo] = useState('');
  const [error, setError] = useState<string>();
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const others = [...room.participants.values()];
  const recipient = others.some((p) => p.id === to) ? to : '';

  const send = (list: FileList | null) => {
    setError(undefined);
    for (const file of list ?? []) {
      try {
        files.send(file, recipient ? { to: [recipient] } : {});
      } catch (err) {
        if (err instanceof FileTransferError && err.code === 'TOO_LARGE') setError(`“${file.name}” is larger than the ${formatBytes(files.maxBytes)} limit.`);
        else setError(`“${file.name}” could not be sent: ${(err as Error).message}`);
      }
    }
  };

  const transfers = files.transfers.reverse(); // newest first
  return (
    <aside
      className={`panel files${dragging ? ' dragging' : ''}`}
      aria-label="files"
      onDragOver={(e) => {
        if (!others.length) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        send(e.dataTransfer.files);
      }}
    >
      <PanelHeader title="Files" what="files" onClose={onClose} />
      <div className="files-send">
        <select aria-label="Send to" value={recipient} onChange={(e) => setTo(e.target.value)} disabled={!others.length}>
          <option value="">Everyone</option>
          {others.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <button className="primary" onClick={() => input.current?.click()} disabled={!others.length}>
          Send file
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="File to send"
          onChange={(e) => {
            send(e.target.files);
            e.target.value = ''; // the same file can be picked again
          }}
        />
      </div>
      {error && <p role="alert" className="error files-error">{error}</p>}
      <ul className="transfers" aria-label="transfers">
        {transfers.length === 0 && <li className="empty">{others.length ? 'No files yet. Pick one, or drop it here.' : 'Files can be sent once someone else joins.'}</li>}
        {transfers.map((t) => (
          <TransferItem key={t.id} transfer={t} />
        ))}
      </ul>
    </aside>
  );
}
