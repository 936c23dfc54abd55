import { useEffect, useRef, useState } from 'react';
import { api, Room, ParleyError, type TransportKind } from '@parley/client';
import { useRoom } from './useRoom.ts';
import { VideoTile } from './VideoTile.tsx';
import { friendlyError } from './messages.ts';

declare global {
  interface Window {
    /** For tests and debugging: the room this page is in. */
    parley?: { room: Room; localStream: MediaStream | undefined };
  }
}

const NAME_KEY = 'parley.displayName';
const LEFT = 'You left the room.';

function options(): { transports?: TransportKind[]; token?: string } {
  const q = new URLSearchParams(window.location.search);
  const t = q.get('transport');
  const token = q.get('token') ?? undefined;
  const transports = t === 'websocket' || t === 'sse' || t === 'longpoll' ? [t as TransportKind] : undefined;
  return { ...(transports ? { transports } : {}), ...(token ? { token } : {}) };
}

async function localMedia(): Promise<{ stream: MediaStream | undefined; warning?: string }> {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } }) };
  } catch {
    try {
      return { stream: await navigator.mediaDevices.getUserMedia({ audio: true }), warning: 'No camera available: joining with audio only.' };
    } catch {
      return { stream: undefined, warning: 'No camera or microphone available: you can watch and listen.' };
    }
  }
}

export function RoomPage({ roomId }: { roomId: string }) {
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? '');
  const [room, setRoom] = useState<Room>();
  const [stream, setStream] = useState<MediaStream>();
  const [joining, setJoining] = useState(false);
  const [ended, setEnded] = useState<string>();
  const [warning, setWarning] = useState<string>();
  const [audioOn, setAudioOn] = useState(true);
  const [videoOn, setVideoOn] = useState(true);
  const [copied, setCopied] = useState(false);
  const roomRef = useRef<Room | undefined>(undefined);
  useRoom(room);

  useEffect(() => {
    // Closing the tab leaves at once, instead of leaving a frozen tile for the resume grace period.
    const bye = () => void roomRef.current?.leave();
    window.addEventListener('pagehide', bye);
    return () => {
      window.removeEventListener('pagehide', bye);
      bye();
    };
  }, []);

  const join = async (e: React.FormEvent) => {
    e.preventDefault();
    const display = name.trim();
    if (!display) return;
    localStorage.setItem(NAME_KEY, display);
    setJoining(true);
    const opts = options();
    try {
      const token = opts.token ?? (await api.requestToken(window.location.origin, roomId, display)).token;
      const media = await localMedia();
      setWarning(media.warning);
      const r = new Room({ url: window.location.origin, token, ...(opts.transports ? { transports: opts.transports } : {}) });
      r.on('disconnected', (err) => setEnded(err ? friendlyError(err) : LEFT));
      if (media.stream) r.publish(media.stream);
      await r.connect();
      roomRef.current = r;
      window.parley = { room: r, localStream: media.stream };
      setStream(media.stream);
      setRoom(r);
    } catch (err) {
      setEnded(friendlyError(err instanceof ParleyError ? err : new ParleyError('TRANSPORT_FAILED', String(err))));
    } finally {
      setJoining(false);
    }
  };

  const toggle = (kind: 'audio' | 'video') => {
    const on = kind === 'audio' ? !audioOn : !videoOn;
    for (const t of kind === 'audio' ? (stream?.getAudioTracks() ?? []) : (stream?.getVideoTracks() ?? [])) t.enabled = on;
    (kind === 'audio' ? setAudioOn : setVideoOn)(on);
  };

  const copyLink = async () => {
    await navigator.clipboard?.writeText(`${window.location.origin}/r/${roomId}`).catch(() => undefined);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };

  const leave = async () => {
    await room?.leave();
    stream?.getTracks().forEach((t) => t.stop());
  };

  if (ended) {
    return (
      <main className="lobby">
        <h1 className="brand">Parley</h1>
        <p role="status" className="ended">{ended}</p>
        <div className="row">
          <button className="primary" onClick={() => window.location.reload()}>{ended === LEFT ? 'Rejoin' : 'Try again'}</button>
          <a className="button" href="/">Back to start</a>
        </div>
      </main>
    );
  }

  if (!room) {
    return (
      <main className="lobby">
        <h1 className="brand">Parley</h1>
        <p className="tagline">Room <code>{roomId}</code></p>
        <form className="join-form" onSubmit={join}>
          <label htmlFor="name">Your name</label>
          <div className="row">
            <input id="name" value={name} maxLength={64} autoFocus onChange={(e) => setName(e.target.value)} placeholder="Ada Lovelace" />
            <button className="primary" type="submit" disabled={joining || !name.trim()}>
              {joining ? 'Joining…' : 'Join'}
            </button>
          </div>
        </form>
      </main>
    );
  }

  const remotes = [...room.participants.values()];
  const reconnecting = room.signal.state === 'reconnecting';
  return (
    <main className="room">
      <header className="bar">
        <span className="brand small">Parley</span>
        <span className="room-id">{roomId}</span>
        <span className="count">{remotes.length + 1} in call</span>
        <button onClick={copyLink}>{copied ? 'Link copied' : 'Copy link'}</button>
      </header>
      {reconnecting && <div role="status" className="banner">Reconnecting…</div>}
      {warning && <div role="status" className="banner warn">{warning}</div>}
      <section className={`grid n${Math.min(remotes.length + 1, 9)}`} aria-label="participants">
        <VideoTile stream={stream} name={`${room.local?.name ?? name} (you)`} muted mirrored participantId={room.local?.id} />
        {remotes.map((p) => (
          <VideoTile key={p.id} stream={p.stream} name={p.name} state={p.connectionState} participantId={p.id} />
        ))}
      </section>
      <footer className="controls">
        <button aria-pressed={!audioOn} onClick={() => toggle('audio')} disabled={!stream?.getAudioTracks().length}>
          {audioOn ? 'Mute' : 'Unmute'}
        </button>
        <button aria-pressed={!videoOn} onClick={() => toggle('video')} disabled={!stream?.getVideoTracks().length}>
          {videoOn ? 'Stop video' : 'Start video'}
        </button>
        <button className="danger" onClick={leave}>Leave</button>
      </footer>
    </main>
  );
}
