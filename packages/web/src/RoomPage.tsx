import { useEffect, useMemo, useRef, useState } from 'react';
import { api, LocalMedia, Room, ParleyError, type TransportKind, type VideoCodec } from '@parley/client';
import { PreJoin } from './PreJoin.tsx';
import { CallView } from './CallView.tsx';
import { AudioRoomView } from './AudioRoomView.tsx';
import { friendlyError } from './messages.ts';

declare global {
  interface Window {
    /** For tests and debugging: the room this page is in. */
    parley?: { room: Room; media: LocalMedia; localStream: MediaStream | undefined };
  }
}

const LEFT = 'You left the room.';

/** Options from the page's query: `transport`, `token`, `videoCodec`, and `lowBandwidth=off` (no automatic switch to the MCU). */
function options(): { transports?: TransportKind[]; token?: string; videoCodec?: VideoCodec; lowBandwidthAuto?: false } {
  const q = new URLSearchParams(window.location.search);
  const t = q.get('transport');
  const token = q.get('token') ?? undefined;
  const transports = t === 'websocket' || t === 'sse' || t === 'longpoll' ? [t as TransportKind] : undefined;
  const c = q.get('videoCodec');
  const videoCodec = c === 'vp8' || c === 'vp9' || c === 'h264' ? c : undefined;
  const manual = q.get('lowBandwidth') === 'off';
  return { ...(transports ? { transports } : {}), ...(token ? { token } : {}), ...(videoCodec ? { videoCodec } : {}), ...(manual ? { lowBandwidthAuto: false as const } : {}) };
}

/** A room link: the pre-join check, then the call, then an end screen. */
export function RoomPage({ roomId }: { roomId: string }) {
  const media = useMemo(() => new LocalMedia(), []);
  const [room, setRoom] = useState<Room>();
  const [joining, setJoining] = useState(false);
  const [ended, setEnded] = useState<string>();
  const roomRef = useRef<Room | undefined>(undefined);

  useEffect(() => {
    // Closing the tab leaves at once, instead of leaving a frozen tile for the resume grace period.
    const bye = () => void roomRef.current?.leave();
    window.addEventListener('pagehide', bye);
    return () => {
      window.removeEventListener('pagehide', bye);
      bye();
    };
  }, []);

  const join = async (name: string) => {
    setJoining(true);
    const opts = options();
    try {
      const token = opts.token ?? (await api.requestToken(window.location.origin, roomId, name)).token;
      // The SDK's own account of what it does (negotiations, switches) goes to the console's verbose level.
      const log = (message: string, detail?: unknown) => console.debug(`[parley] ${message}`, ...(detail === undefined ? [] : [detail]));
      const r = new Room({ url: window.location.origin, token, log, ...(opts.transports ? { transports: opts.transports } : {}), ...(opts.videoCodec ? { videoCodec: opts.videoCodec } : {}), ...(opts.lowBandwidthAuto === false ? { lowBandwidth: { auto: false } } : {}) });
      r.on('disconnected', (err) => {
        media.stop();
        setEnded(err ? friendlyError(err) : LEFT);
      });
      media.publishTo(r);
      await r.connect();
      roomRef.current = r;
      window.parley = { room: r, media, localStream: media.state.stream };
      setRoom(r);
    } catch (err) {
      setEnded(friendlyError(err instanceof ParleyError ? err : new ParleyError('TRANSPORT_FAILED', String(err))));
    } finally {
      setJoining(false);
    }
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
  if (!room) return <PreJoin roomId={roomId} media={media} joining={joining} onJoin={(name) => void join(name)} />;
  if (room.audioOnly) return <AudioRoomView room={room} media={media} roomId={roomId} onLeave={() => void room.leave()} />;
  return <CallView room={room} media={media} roomId={roomId} onLeave={() => void room.leave()} />;
}
