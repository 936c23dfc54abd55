import { useEffect, useState } from 'react';
import type { Transfer } from '@parley/client';
import { formatBytes, statusText } from './text.ts';

/** An object URL for a file, revoked when the file changes or the component goes away. */
function useObjectUrl(file: File | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!file) return;
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => {
      URL.revokeObjectURL(u);
      setUrl(undefined);
    };
  }, [file]);
  return url;
}

/** One transfer: name, who, progress bar, state, and Cancel or Download. */
export function TransferItem({ transfer: t }: { transfer: Transfer }) {
  const incoming = t.direction === 'incoming';
  const url = useObjectUrl(incoming && t.state === 'completed' ? t.file : undefined);
  const name = t.name || 'file';
  const who = t.participantName || 'someone';
  const label = `${name} ${incoming ? 'from' : 'to'} ${who}`;
  const done = t.state === 'completed';
  return (
    <li className="transfer" data-transfer-id={t.id} data-direction={t.direction} data-state={t.state} aria-label={label}>
      <div className="what">
        <span className="name" title={name}>
          <span aria-hidden className="arrow">{incoming ? '↓' : '↑'}</span> {name}
        </span>
        <span className="meta">
          {incoming ? 'from' : 'to'} {who} · {done ? formatBytes(t.size) : `${formatBytes(t.bytesTransferred)} of ${formatBytes(t.size)}`}
        </span>
      </div>
      <div className="actions">
        {!t.ended && (
          <button aria-label={`Cancel ${label}`} onClick={() => t.cancel()}>
            Cancel
          </button>
        )}
        {url && (
          <a className="button primary" href={url} download={name} aria-label={`Download ${name}`}>
            Download
          </a>
        )}
      </div>
      <progress max={t.size || 1} value={done ? t.size || 1 : t.bytesTransferred} aria-label={`Progress of ${label}`} />
      <span className="status" aria-live={t.ended ? 'polite' : 'off'}>
        {statusText(t)}
      </span>
    </li>
  );
}
