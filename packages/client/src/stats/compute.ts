/** What one RTCPeerConnection.getStats() report says, reduced to the fields we use. */
export interface RawStats {
  timestampMs: number;
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds, from the audio inbound-rtp (RFC 3550 interarrival jitter). */
  jitterS: number | undefined;
  roundTripTimeS: number | undefined;
  frameWidth: number | undefined;
  frameHeight: number | undefined;
  framesPerSecond: number | undefined;
  framesDecoded: number;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  /** The selected candidate pair: local type, and the relay protocol when relayed. */
  localCandidateType: string | undefined;
  remoteCandidateType: string | undefined;
  relayProtocol: string | undefined;
}

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';
export type PathType = 'host' | 'srflx' | 'prflx' | 'relay' | 'unknown';

/** One second of a remote participant's connection, as the stats panel shows it. */
export interface PeerStatsSample {
  timestampMs: number;
  bitrateInBps: number;
  bitrateOutBps: number;
  /** Fraction 0..1 of packets lost in the interval. */
  packetLoss: number;
  jitterMs: number | undefined;
  roundTripTimeMs: number | undefined;
  resolution: string | undefined;
  framesPerSecond: number | undefined;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  /** The path class of the selected pair: relay if either side is relayed, else the less direct type. */
  path: PathType;
  relayProtocol: string | undefined;
  quality: Quality;
}

type Stat = Record<string, unknown> & { id: string; type: string };
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reduces an RTCStatsReport (any iterable of stat objects) to RawStats. */
export function reduceReport(report: Iterable<Stat>, nowMs: number): RawStats {
  const byId = new Map<string, Stat>();
  for (const s of report) byId.set(s.id, s);
  const raw: RawStats = {
    timestampMs: nowMs, bytesReceived: 0, bytesSent: 0, packetsReceived: 0, packetsLost: 0, jitterS: undefined, roundTripTimeS: undefined,
    frameWidth: undefined, frameHeight: undefined, framesPerSecond: undefined, framesDecoded: 0, videoCodec: undefined, audioCodec: undefined,
    localCandidateType: undefined, remoteCandidateType: undefined, relayProtocol: undefined,
  };
  const codec = (id: unknown) => str(byId.get(str(id) ?? '')?.mimeType)?.replace(/^(audio|video)\//, '');
  for (const s of byId.values()) {
    if (s.type === 'inbound-rtp') {
      raw.bytesReceived += num(s.bytesReceived) ?? 0;
      raw.packetsReceived += num(s.packetsReceived) ?? 0;
      raw.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
      if (s.kind === 'video') {
        raw.frameWidth = num(s.frameWidth) ?? raw.frameWidth;
        raw.frameHeight = num(s.frameHeight) ?? raw.frameHeight;
        raw.framesPerSecond = num(s.framesPerSecond) ?? raw.framesPerSecond;
        raw.framesDecoded += num(s.framesDecoded) ?? 0;
        raw.videoCodec = codec(s.codecId) ?? raw.videoCodec;
      } else if (s.kind === 'audio') {
        raw.jitterS = num(s.jitter) ?? raw.jitterS;
        raw.audioCodec = codec(s.codecId) ?? raw.audioCodec;
      }
    } else if (s.type === 'outbound-rtp') {
      raw.bytesSent += num(s.bytesSent) ?? 0;
    } else if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = byId.get(s.selectedCandidatePairId);
      if (!pair) continue;
      raw.roundTripTimeS = num(pair.currentRoundTripTime);
      const local = byId.get(str(pair.localCandidateId) ?? '');
      const remote = byId.get(str(pair.remoteCandidateId) ?? '');
      raw.localCandidateType = str(local?.candidateType);
      raw.remoteCandidateType = str(remote?.candidateType);
      raw.relayProtocol = str(local?.relayProtocol);
    }
  }
  return raw;
}

function pathOf(local: string | undefined, remote: string | undefined): PathType {
  const types = [local, remote];
  if (types.includes('relay')) return 'relay';
  if (types.includes('srflx')) return 'srflx';
  if (types.includes('prflx')) return 'prflx';
  if (types.includes('host')) return 'host';
  return 'unknown';
}

/** Loss and round-trip time, the two things people hear and see first. */
export function qualityOf(packetLoss: number, roundTripTimeMs: number | undefined, receiving: boolean): Quality {
  if (!receiving && roundTripTimeMs === undefined) return 'unknown';
  if (packetLoss > 0.08 || (roundTripTimeMs ?? 0) > 500) return 'poor';
  if (packetLoss > 0.02 || (roundTripTimeMs ?? 0) > 250) return 'fair';
  return 'good';
}

/** The figures for the interval between two reports. Counters that went backwards (a restart) count as zero. */
export function computeSample(prev: RawStats | undefined, cur: RawStats): PeerStatsSample {
  const dtS = prev ? Math.max(0.001, (cur.timestampMs - prev.timestampMs) / 1000) : 1;
  const delta = (a: number, b: number | undefined) => (b === undefined ? 0 : Math.max(0, a - b));
  const received = delta(cur.packetsReceived, prev?.packetsReceived);
  const lost = delta(cur.packetsLost, prev?.packetsLost);
  const packetLoss = received + lost > 0 ? lost / (received + lost) : 0;
  const roundTripTimeMs = cur.roundTripTimeS === undefined ? undefined : Math.round(cur.roundTripTimeS * 1000);
  const bitrateInBps = prev ? Math.round((delta(cur.bytesReceived, prev.bytesReceived) * 8) / dtS) : 0;
  return {
    timestampMs: cur.timestampMs,
    bitrateInBps,
    bitrateOutBps: prev ? Math.round((delta(cur.bytesSent, prev.bytesSent) * 8) / dtS) : 0,
    packetLoss,
    jitterMs: cur.jitterS === undefined ? undefined : Math.round(cur.jitterS * 1000 * 10) / 10,
    roundTripTimeMs,
    resolution: cur.frameWidth && cur.frameHeight ? `${cur.frameWidth}×${cur.frameHeight}` : undefined,
    framesPerSecond: cur.framesPerSecond,
    videoCodec: cur.videoCodec,
    audioCodec: cur.audioCodec,
    path: pathOf(cur.localCandidateType, cur.remoteCandidateType),
    relayProtocol: cur.relayProtocol,
    quality: qualityOf(packetLoss, roundTripTimeMs, bitrateInBps > 0),
  };
}
