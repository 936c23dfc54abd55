import { useEffect, useState } from 'react';
import type { LocalMedia, MediaProblem } from '@parley/client';
import { useLocalMedia } from './useLocalMedia.ts';
import { VideoTile } from './VideoTile.tsx';
import { LevelMeter } from './LevelMeter.tsx';
import { CopyLink } from './CopyLink.tsx';

const NAME_KEY = 'parley.displayName';

function problemText(kind: 'camera' | 'microphone', problem: MediaProblem | undefined): string | undefined {
  switch (problem) {
    case undefined:
      return undefined;
    case 'denied':
      return `Access to your ${kind} is blocked. You can still join; allow it in the address bar and reload to change that.`;
    case 'not-found':
      return `No ${kind} found.`;
    case 'in-use':
      return `Your ${kind} is in use by another app.`;
    case 'insecure':
      return `This page is not secure (HTTPS), so the browser offers no ${kind}.`;
    case 'other':
      return `Your ${kind} could not be started.`;
  }
}

interface Props {
  roomId: string;
  media: LocalMedia;
  joining: boolean;
  onJoin: (name: string) => void;
}

/** The check before joining: preview, level meter, device choice, mic/camera on or off, name. */
export function PreJoin({ roomId, media, joining, onJoin }: Props) {
  useLocalMedia(media);
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? '');
  useEffect(() => void media.start(), [media]);
  const { stream, problems, devices, audioEnabled, videoEnabled } = media.state;
  const of = (kind: MediaDeviceKind) => devices.filter((d) => d.kind === kind && d.deviceId);
  const notes = [problemText('camera', problems.video), problemText('microphone', problems.audio)].filter(Boolean);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const display = name.trim();
    if (!display) return;
    localStorage.setItem(NAME_KEY, display);
    onJoin(display);
  };

  return (
    <main className="prejoin">
      <section className="preview">
        <VideoTile stream={videoEnabled ? stream : undefined} name={name.trim() || 'You'} muted mirrored />
        <LevelMeter stream={audioEnabled ? stream : undefined} />
        <div className="row center">
          <button aria-pressed={!audioEnabled} disabled={!stream?.getAudioTracks().length} onClick={() => media.setEnabled('audio', !audioEnabled)}>
            {audioEnabled ? 'Mic on' : 'Mic off'}
          </button>
          <button aria-pressed={!videoEnabled} disabled={!stream?.getVideoTracks().length} onClick={() => media.setEnabled('video', !videoEnabled)}>
            {videoEnabled ? 'Camera on' : 'Camera off'}
          </button>
        </div>
        {notes.map((n) => (
          <p key={n} role="status" className="note">{n}</p>
        ))}
      </section>
      <section className="join-side">
        <h1 className="brand">Parley</h1>
        <p className="tagline">Room <code>{roomId}</code></p>
        <CopyLink roomId={roomId} />
        <form className="join-form" onSubmit={submit}>
          <label htmlFor="name">Your name</label>
          <div className="row">
            <input id="name" value={name} maxLength={64} autoFocus onChange={(e) => setName(e.target.value)} placeholder="Ada Lovelace" />
            <button className="primary" type="submit" disabled={joining || !name.trim()}>
              {joining ? 'Joining…' : 'Join'}
            </button>
          </div>
        </form>
        <DevicePicker label="Camera" devices={of('videoinput')} value={media.state.videoDeviceId} onChange={(id) => void media.switchDevice('video', id)} />
        <DevicePicker label="Microphone" devices={of('audioinput')} value={media.state.audioDeviceId} onChange={(id) => void media.switchDevice('audio', id)} />
        <DevicePicker label="Speaker" devices={of('audiooutput')} value={media.state.outputDeviceId} onChange={(id) => media.setOutputDevice(id)} />
      </section>
    </main>
  );
}

export function DevicePicker({ label, devices, value, onChange }: { label: string; devices: MediaDeviceInfo[]; value: string | undefined; onChange: (id: string) => void }) {
  if (devices.length === 0) return null;
  return (
    <label className="device">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        {value === undefined && <option value="">Default</option>}
        {devices.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}
