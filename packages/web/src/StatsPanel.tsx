import type { Room, StatsCollector } from '@parley/client';
import { Sparkline } from './Sparkline.tsx';
import { PanelHeader } from './PanelHeader.tsx';

const kbps = (bps: number) => (bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mbit/s` : `${Math.round(bps / 1000)} kbit/s`);
const dash = (v: string | number | undefined, unit = '') => (v === undefined ? '–' : `${v}${unit}`);

/** Per remote participant: bitrate, RTT, loss, jitter, video, codecs and the ICE path, with graphs. */
export function StatsPanel({ room, stats, onClose }: { room: Room; stats: StatsCollector; onClose: () => void }) {
  const remotes = [...room.participants.values()];
  return (
    <aside className="panel stats" aria-label="connection stats">
      <PanelHeader title="Connection" what="stats" onClose={onClose} />
      <div className="stats-body">
        {remotes.length === 0 && <p className="empty">Nobody else is here yet.</p>}
        {remotes.map((p) => {
          const s = stats.latest(p.id);
          const history = stats.history(p.id);
          return (
            <section key={p.id} className="peer-stats" data-participant={p.id}>
              <h3>
                {p.name} <span className={`quality q-${s?.quality ?? 'unknown'}`}>{s?.quality ?? '…'}</span>
              </h3>
              <dl>
                <dt>In</dt>
                <dd data-stat="bitrate-in">{s ? kbps(s.bitrateInBps) : '–'} <Sparkline label="bitrate in" values={history.map((h) => h.bitrateInBps)} /></dd>
                <dt>Out</dt>
                <dd data-stat="bitrate-out">{s ? kbps(s.bitrateOutBps) : '–'} <Sparkline label="bitrate out" values={history.map((h) => h.bitrateOutBps)} /></dd>
                <dt>RTT</dt>
                <dd data-stat="rtt">{dash(s?.roundTripTimeMs, ' ms')} <Sparkline label="round-trip time" values={history.map((h) => h.roundTripTimeMs ?? 0)} /></dd>
                <dt>Loss</dt>
                <dd data-stat="loss">{s ? `${(s.packetLoss * 100).toFixed(1)} %` : '–'} <Sparkline label="packet loss" values={history.map((h) => h.packetLoss)} /></dd>
                <dt>Jitter</dt>
                <dd data-stat="jitter">{dash(s?.jitterMs, ' ms')}</dd>
                <dt>Video</dt>
                <dd data-stat="video">{s?.resolution ? `${s.resolution} @ ${dash(s.framesPerSecond)} fps` : '–'}</dd>
                <dt>Codecs</dt>
                <dd data-stat="codecs">{[s?.videoCodec, s?.audioCodec].filter(Boolean).join(' / ') || '–'}</dd>
                <dt>Path</dt>
                <dd data-stat="path">{s ? `${s.path}${s.relayProtocol ? ` (${s.relayProtocol})` : ''}` : '–'}</dd>
              </dl>
            </section>
          );
        })}
      </div>
    </aside>
  );
}
