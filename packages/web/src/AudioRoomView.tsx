import { useEffect, useRef } from 'react';
import type { LocalMedia, Room } from '@parley/client';
import { useRoom } from './useRoom.ts';
import { useLocalMedia } from './useLocalMedia.ts';
import { useSpeaking } from './useSpeaking.ts';
import { useAudioSlots } from './useAudioSlots.ts';
import { CopyLink } from './CopyLink.tsx';

interface Props {
  room: Room;
  media: LocalMedia;
  roomId: string;
  onLeave: () => void;
}

/** Plays one audio slot: a fixed track whose voice the server switches (never renegotiated). */
function SlotPlayer({ track, outputDeviceId }: { track: MediaStreamTrack; outputDeviceId: string | undefined }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    void el.play().catch(() => undefined);
  }, [track]);
  useEffect(() => {
    const el = ref.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (outputDeviceId && el?.setSinkId) void el.setSinkId(outputDeviceId).catch(() => undefined);
  }, [outputDeviceId]);
  return <audio ref={ref} autoPlay />;
}

/**
 * An audio-only room: a list of everyone with a speaking indicator (no tiles), and the loudest voices from the
 * server's slots. Hundreds may listen; only the loudest few are heard.
 */
export function AudioRoomView({ room, media, roomId, onLeave }: Props) {
  useRoom(room);
  useLocalMedia(media);
  const speaking = useSpeaking(room);
  const slots = useAudioSlots(room);
  // The camera from the pre-join check is not sent here: keep it dark, and say so to the others.
  useEffect(() => {
    if (media.state.videoEnabled) media.setEnabled('video', false);
  }, [media]);
  const { audioEnabled, stream } = media.state;
  const heard = new Set(slots.flatMap((s) => (s.participantId ? [s.participantId] : [])));
  const people = [
    { id: room.local?.id ?? 'self', name: `${room.local?.name ?? ''} (you)`, muted: !audioEnabled },
    ...[...room.participants.values()].map((p) => ({ id: p.id, name: p.name, muted: p.audioMuted })),
  ];
  return (
    <main className="room audio-room">
      <header className="bar">
        <span className="brand small">Parley</span>
        <span className="room-id">{roomId}</span>
        <span className="count">{people.length} in room · audio only</span>
        <CopyLink roomId={roomId} compact />
      </header>
      <ul className="people" aria-label="participants">
        {people.map((p) => (
          <li key={p.id} data-participant={p.id} className={speaking.has(p.id) ? 'speaking' : undefined} aria-current={heard.has(p.id) ? 'true' : undefined}>
            <span className="dot" aria-hidden="true" />
            <span className="name">{p.name}</span>
            {speaking.has(p.id) && <span className="tag">speaking</span>}
            {p.muted && <span className="tag muted">muted</span>}
          </li>
        ))}
      </ul>
      {slots.map((s, i) => s.track && <SlotPlayer key={i} track={s.track} outputDeviceId={media.state.outputDeviceId} />)}
      <footer className="controls">
        <button aria-pressed={!audioEnabled} aria-keyshortcuts="M" title="Microphone" onClick={() => media.setEnabled('audio', !audioEnabled)} disabled={!stream?.getAudioTracks().length}>
          {audioEnabled ? 'Mute' : 'Unmute'}
        </button>
        <button className="danger" onClick={onLeave}>Leave</button>
      </footer>
    </main>
  );
}
