import { useCallback, useEffect, useState } from 'react';
import type { LocalMedia, Room } from '@parley/client';
import { useRoom } from './useRoom.ts';
import { useChat } from './useChat.ts';
import { useLocalMedia } from './useLocalMedia.ts';
import { useSpeaking } from './useSpeaking.ts';
import { useActiveSpeaker } from './useActiveSpeaker.ts';
import { VideoTile } from './VideoTile.tsx';
import { ChatPanel } from './ChatPanel.tsx';
import { DevicePicker } from './PreJoin.tsx';
import { StatsPanel } from './StatsPanel.tsx';
import { useStats } from './useStats.ts';
import { FilesButton, useOpenOnIncoming } from './files/FilesButton.tsx';
import { FilesPanel } from './files/FilesPanel.tsx';
import { useFileTransfers } from './files/useFileTransfers.ts';
import { PanelHeader } from './PanelHeader.tsx';
import { CopyLink } from './CopyLink.tsx';

interface Props {
  room: Room;
  media: LocalMedia;
  roomId: string;
  onLeave: () => void;
}

interface TileSpec {
  key: string;
  stream: MediaStream | undefined;
  name: string;
  kind: 'camera' | 'screen';
  self?: boolean;
  participantId?: string;
  state?: string;
  audioMuted?: boolean;
  quality?: string;
  /** Remote videos: tell the room how large they are shown (SFU layer choice). */
  onVideoSize?: (width: number, height: number) => void;
  videoKey?: string;
  composite?: boolean;
}

/** The call: tiles, controls, chat. Thin over the SDK's Room and LocalMedia. */
export function CallView({ room, media, roomId, onLeave }: Props) {
  useRoom(room);
  useChat(room.chat);
  useLocalMedia(media);
  const speaking = useSpeaking(room);
  const activeSpeaker = useActiveSpeaker(room, speaking);
  const [layout, setLayout] = useState<'grid' | 'speaker'>('grid');
  const stats = useStats(room);
  const [panel, setPanel] = useState<'chat' | 'settings' | 'stats' | 'files' | undefined>();
  const files = useFileTransfers(room);
  useOpenOnIncoming(files, useCallback(() => setPanel('files'), []));
  const [pinned, setPinned] = useState<string>();
  const [shareError, setShareError] = useState<string>();
  const { stream, screen, audioEnabled, videoEnabled } = media.state;

  const toggleScreen = async () => {
    setShareError(undefined);
    try {
      if (screen) media.stopScreenShare();
      else await media.startScreenShare();
    } catch {
      setShareError('Screen sharing was cancelled or is not allowed.');
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || target?.closest('input, textarea, select')) return;
      const key = e.key.toLowerCase();
      if (key === 'm') media.setEnabled('audio', !media.state.audioEnabled);
      else if (key === 'v') media.setEnabled('video', !media.state.videoEnabled);
      else if (key === 's') void toggleScreen();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });


  const remotes = [...room.participants.values()];
  const selfName = `${room.local?.name ?? ''} (you)`;
  const composite = room.composite;
  const tiles: TileSpec[] = [
    { key: 'self', stream: videoEnabled ? stream : undefined, name: selfName, kind: 'camera', self: true, audioMuted: !audioEnabled },
    ...(screen ? [{ key: 'self-screen', stream: screen, name: `${selfName} screen`, kind: 'screen' as const, self: true }] : []),
    // An MCU room, or low-bandwidth mode: everyone else arrives as one composite picture (names drawn in) with their voices mixed.
    ...(composite ? [{ key: 'composite', stream: composite, name: 'Everyone', kind: 'camera' as const, state: remotes[0]?.connectionState, composite: true, videoKey: composite.getTracks().map((t) => t.id).join() }] : []),
    ...remotes.filter(() => !composite).flatMap((p): TileSpec[] => {
      const sizing = (kind: 'camera' | 'screen') => ({
        onVideoSize: (w: number, h: number) => p.videoTracksOf(kind).forEach((t) => room.setVideoSize(t, w, h)),
        videoKey: p.videoTracksOf(kind).map((t) => t.id).join(),
      });
      return [
        { key: p.id, stream: p.stream, name: p.name, kind: 'camera', participantId: p.id, state: p.connectionState, audioMuted: p.audioMuted, quality: stats.latest(p.id)?.quality, ...sizing('camera') },
        ...(p.screen ? [{ key: `${p.id}-screen`, stream: p.screen, name: `${p.name} (screen)`, kind: 'screen' as const, participantId: p.id, ...sizing('screen') }] : []),
      ];
    }),
  ];
  // Speaker view: the pinned tile, else a screen being shared, else whoever speaks (kept until someone else does).
  const spotlight =
    tiles.find((t) => t.key === pinned) ??
    tiles.find((t) => t.composite) ??
    (layout === 'speaker' && tiles.length > 1
      ? tiles.find((t) => t.kind === 'screen' && !t.self) ?? tiles.find((t) => t.key === activeSpeaker) ?? tiles.find((t) => !t.self) ?? tiles[0]
      : undefined);
  const reconnecting = room.signal.state === 'reconnecting';
  const recovering = remotes.filter((p) => p.connectionState === 'disconnected' || p.connectionState === 'failed');
  const unread = room.chat.unread;

  const renderTile = (t: TileSpec) => (
    <VideoTile
      key={t.key}
      stream={t.stream}
      name={t.name}
      muted={t.self === true || t.kind === 'screen'}
      mirrored={t.self === true && t.kind === 'camera'}
      kind={t.kind}
      participantId={t.participantId}
      state={t.state}
      audioMuted={t.audioMuted}
      quality={t.quality}
      speaking={t.participantId !== undefined && t.kind === 'camera' && speaking.has(t.participantId)}
      pinned={pinned === t.key}
      outputDeviceId={media.state.outputDeviceId}
      onPin={() => setPinned(pinned === t.key ? undefined : t.key)}
      onVideoSize={t.onVideoSize}
      videoKey={t.videoKey}
      composite={t.composite}
    />
  );

  return (
    <main className="room">
      <header className="bar">
        <span className="brand small">Parley</span>
        <span className="room-id">{roomId}</span>
        <span className="count">{remotes.length + 1} in call</span>
        <CopyLink roomId={roomId} compact />
      </header>
      {reconnecting && <div role="status" className="banner">Reconnecting…</div>}
      {!reconnecting && recovering.length > 0 && (
        <div role="status" className="banner">Connection to {recovering.map((p) => p.name).join(', ')} is recovering…</div>
      )}
      {shareError && <div role="status" className="banner warn">{shareError}</div>}
      {room.lowBandwidthAutomatic && room.composite && (
        <div role="status" className="banner">Your connection is weak: you receive everyone as one picture and one sound.</div>
      )}
      <div className="stage">
        {spotlight ? (
          <section className="spotlight" aria-label="participants" data-layout={layout}>
            <div className="main">{renderTile(spotlight)}</div>
            <div className="strip">{tiles.filter((t) => t !== spotlight).map(renderTile)}</div>
          </section>
        ) : (
          <section className={`grid n${Math.min(tiles.length, 9)}`} aria-label="participants">
            {tiles.map(renderTile)}
          </section>
        )}
        {panel === 'chat' && <ChatPanel chat={room.chat} selfId={room.local?.id} onClose={() => setPanel(undefined)} />}
        {panel === 'files' && files && <FilesPanel room={room} files={files} onClose={() => setPanel(undefined)} />}
        {panel === 'stats' && <StatsPanel room={room} stats={stats} onClose={() => setPanel(undefined)} />}
        {panel === 'settings' && (
          <aside className="panel settings" aria-label="settings">
            <PanelHeader title="Devices" what="settings" onClose={() => setPanel(undefined)} />
            <div className="settings-body">
              <DevicePicker label="Camera" devices={media.state.devices.filter((d) => d.kind === 'videoinput')} value={media.state.videoDeviceId} onChange={(id) => void media.switchDevice('video', id)} />
              <DevicePicker label="Microphone" devices={media.state.devices.filter((d) => d.kind === 'audioinput')} value={media.state.audioDeviceId} onChange={(id) => void media.switchDevice('audio', id)} />
              <DevicePicker label="Speaker" devices={media.state.devices.filter((d) => d.kind === 'audiooutput')} value={media.state.outputDeviceId} onChange={(id) => media.setOutputDevice(id)} />
            </div>
          </aside>
        )}
      </div>
      <footer className="controls">
        <button aria-pressed={!audioEnabled} aria-keyshortcuts="M" title="Microphone (M)" onClick={() => media.setEnabled('audio', !audioEnabled)} disabled={!stream?.getAudioTracks().length}>
          {audioEnabled ? 'Mute' : 'Unmute'}
        </button>
        <button aria-pressed={!videoEnabled} aria-keyshortcuts="V" title="Camera (V)" onClick={() => media.setEnabled('video', !videoEnabled)} disabled={!stream?.getVideoTracks().length}>
          {videoEnabled ? 'Stop video' : 'Start video'}
        </button>
        <button aria-pressed={!!screen} aria-keyshortcuts="S" title="Share screen (S)" onClick={() => void toggleScreen()}>
          {screen ? 'Stop sharing' : 'Share screen'}
        </button>
        {(room.topology === 'sfu' || room.lowBandwidthMode) && (
          <button aria-pressed={room.lowBandwidthMode} title="Receive everyone as one picture and one sound from the server (less download)" onClick={() => room.setLowBandwidthMode(!room.lowBandwidthMode)}>
            Low bandwidth mode
          </button>
        )}
        {room.topology === 'mcu' && (
          <button aria-pressed={room.showSelfInMix} title="Put your own picture in the mixed picture you receive" onClick={() => room.setShowSelfInMix(!room.showSelfInMix)}>
            Show me in the mix
          </button>
        )}
        <button aria-pressed={layout === 'speaker'} title="Show the active speaker large" onClick={() => setLayout(layout === 'speaker' ? 'grid' : 'speaker')}>
          {layout === 'speaker' ? 'Grid view' : 'Speaker view'}
        </button>
        <button aria-pressed={panel === 'chat'} aria-label={unread > 0 && panel !== 'chat' ? `Chat, ${unread} unread` : 'Chat'} onClick={() => setPanel(panel === 'chat' ? undefined : 'chat')}>
          Chat{unread > 0 && panel !== 'chat' && <span className="badge">{unread}</span>}
        </button>
 {files && <FilesButton files={files} pressed={panel === 'files'} onClick={() => setPanel(panel === 'files' ? undefined : 'files')} />}
        <button aria-pressed={panel === 'stats'} onClick={() => setPanel(panel === 'stats' ? undefined : 'stats')}>
          Stats
        </button>
        <button aria-pressed={panel === 'settings'} aria-label="Devices" onClick={() => setPanel(panel === 'settings' ? undefined : 'settings')}>
          ⚙
        </button>
        <button className="danger" onClick={onLeave}>Leave</button>
      </footer>
    </main>
  );
}
