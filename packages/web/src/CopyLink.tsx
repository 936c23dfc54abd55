import { useState } from 'react';

/** The room's shareable link with a copy button (the whole link shown unless `compact`). */
export function CopyLink({ roomId, compact = false }: { roomId: string; compact?: boolean }) {
  const link = `${window.location.origin}/r/${roomId}`;
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(link).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  const button = <button onClick={() => void copy()}>{copied ? 'Link copied' : 'Copy link'}</button>;
  if (compact) return button;
  return (
    <div className="row share">
      <input aria-label="room link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      {button}
    </div>
  );
}
