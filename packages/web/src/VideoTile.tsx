import { useEffect, useRef } from 'react';
import { MicOffIcon, PinIcon } from './icons.tsx';
import { useVideoSize } from './useVideoSize.ts';

interface Props {
  stream: MediaStream | undefined;
  name: string;
  muted?: boolean;
  mirrored?: boolean;
  state?: string;
  participantId?: string;
  kind?: 'camera' | 'screen';
  speaking?: boolean;
  audioMuted?: boolean;
  pinned?: boolean;
  /** Connection quality to this participant (good / fair / poor). */
  quality?: string | undefined;
  outputDeviceId?: string | undefined;
  onPin?: () => void;
  /** Told the rendered size (device px, 0×0 when gone) of a remote video, for the SFU's layer choice. */
  onVideoSize?: ((width: number, height: number) => void) | undefined;
  /** Changes when the tracks behind the video change (so their size is told again). */
  videoKey?: string;
  /** The MCU's composite of everyone else (one tile for the whole room). */
  composite?: boolean;
}

/** One participant's video with their name. Audio plays from the same element (muted for self). */
export function VideoTile({ stream, name, muted = false, mirrored = false, state, participantId, kind = 'camera', speaking, audioMuted, pinned, quality, outputDeviceId, onPin, onVideoSize, videoKey = '', composite }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  useVideoSize(ref, videoKey, onVideoSize);
  useEffect(() => {
    const el = ref.current;
    if (el && el.srcObject !== stream) el.srcObject = stream ?? null;
  });
  useEffect(() => {
    const el = ref.current as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (el?.setSinkId && outputDeviceId) void el.setSinkId(outputDeviceId).catch(() => undefined);
  }, [outputDeviceId]);
  const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;
  const classes = ['tile', kind, speaking ? 'speaking' : '', pinned ? 'pinned' : ''].filter(Boolean).join(' ');
  return (
    <figure className={classes} data-participant={participantId} data-kind={kind} data-state={state} data-speaking={speaking ? 'true' : undefined} data-composite={composite ? 'true' : undefined}>
      <video ref={ref} autoPlay playsInline muted={muted} className={mirrored ? 'mirrored' : undefined} aria-label={`${kind === 'screen' ? 'screen of' : 'video of'} ${name}`} />
      {!hasVideo && <div className="avatar" aria-hidden>{name.slice(0, 1).toUpperCase()}</div>}
      <figcaption>
        {quality && quality !== 'unknown' && <span className={`bars q-${quality}`} role="img" aria-label={`connection ${quality}`} title={`connection ${quality}`} />}
        {audioMuted && (
          <span className="muted-mark" role="img" aria-label="microphone off">
            <MicOffIcon />
          </span>
        )}
        {name}
        {state && state !== 'connected' && <span className="state"> · {state}</span>}
      </figcaption>
      {onPin && (
        <button className="pin icon" aria-pressed={pinned} aria-label={pinned ? `unpin ${name}` : `pin ${name}`} onClick={onPin}>
          <PinIcon />
        </button>
      )}
    </figure>
  );
}
