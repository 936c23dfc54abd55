import { useEffect, useRef } from 'react';

interface Props {
  stream: MediaStream | undefined;
  name: string;
  muted?: boolean;
  mirrored?: boolean;
  state?: string;
  participantId?: string;
}

/** One participant's video with their name. Audio plays from the same element (muted for self). */
export function VideoTile({ stream, name, muted = false, mirrored = false, state, participantId }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && el.srcObject !== stream) el.srcObject = stream ?? null;
  });
  const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;
  return (
    <figure className="tile" data-participant={participantId} data-state={state}>
      <video ref={ref} autoPlay playsInline muted={muted} className={mirrored ? 'mirrored' : undefined} aria-label={`video of ${name}`} />
      {!hasVideo && <div className="avatar" aria-hidden>{name.slice(0, 1).toUpperCase()}</div>}
      <figcaption>
        {name}
        {state && state !== 'connected' && <span className="state"> · {state}</span>}
      </figcaption>
    </figure>
  );
}
