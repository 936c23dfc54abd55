import { describe, expect, it } from 'vitest';
import { computeSample, qualityOf, reduceReport } from './compute.ts';

/** A trimmed report as Chromium returns it for a mesh peer receiving audio+video over a relay. */
function report(t: number, o: { bytesIn: number; bytesOut: number; packets: number; lost: number; frames: number; rtt?: number }) {
  return [
    { id: 'IT01V', type: 'inbound-rtp', kind: 'video', bytesReceived: o.bytesIn * 0.9, packetsReceived: o.packets * 0.8, packetsLost: o.lost, frameWidth: 640, frameHeight: 360, framesPerSecond: 30, framesDecoded: o.frames, codecId: 'CIT01_96' },
    { id: 'IT01A', type: 'inbound-rtp', kind: 'audio', bytesReceived: o.bytesIn * 0.1, packetsReceived: o.packets * 0.2, packetsLost: 0, jitter: 0.0042, codecId: 'CIT01_111' },
    { id: 'OT01V', type: 'outbound-rtp', kind: 'video', bytesSent: o.bytesOut },
    { id: 'CIT01_96', type: 'codec', mimeType: 'video/VP8' },
    { id: 'CIT01_111', type: 'codec', mimeType: 'audio/opus' },
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', currentRoundTripTime: o.rtt ?? 0.042 },
    { id: 'L1', type: 'local-candidate', candidateType: 'relay', relayProtocol: 'tcp' },
    { id: 'R1', type: 'remote-candidate', candidateType: 'host' },
    { id: 'junk', type: 'inbound-rtp', kind: 'video', bytesReceived: 'not a number', packetsLost: -5 },
  ].map((s) => ({ ...s, timestamp: t }));
}

describe('stats for the panel', () => {
  it('reduces a report to totals, codecs and the selected path', () => {
    const raw = reduceReport(report(0, { bytesIn: 1000, bytesOut: 500, packets: 100, lost: 2, frames: 30 }), 1000);
    expect(raw).toMatchObject({ bytesReceived: 1000, bytesSent: 500, packetsReceived: 100, packetsLost: 2, videoCodec: 'VP8', audioCodec: 'opus', localCandidateType: 'relay', relayProtocol: 'tcp', frameWidth: 640, framesDecoded: 30 });
  });

  it('computes bitrates, loss, RTT and jitter for the interval between two reports', () => {
    const a = reduceReport(report(0, { bytesIn: 0, bytesOut: 0, packets: 0, lost: 0, frames: 0 }), 10_000);
    const b = reduceReport(report(0, { bytesIn: 125_000, bytesOut: 62_500, packets: 980, lost: 20, frames: 30 }), 11_000);
    const s = computeSample(a, b);
    expect(s.bitrateInBps).toBe(1_000_000);
    expect(s.bitrateOutBps).toBe(500_000);
    expect(s.packetLoss).toBeCloseTo(0.02, 5);
    expect(s.roundTripTimeMs).toBe(42);
    expect(s.jitterMs).toBe(4.2);
    expect(s.resolution).toBe('640×360');
    expect(s.path).toBe('relay');
    expect(s.quality).toBe('good');
  });

  it('treats counters that went backwards (a new connection) as zero instead of negative', () => {
    const a = reduceReport(report(0, { bytesIn: 900_000, bytesOut: 900_000, packets: 9000, lost: 90, frames: 900 }), 0);
    const b = reduceReport(report(0, { bytesIn: 1000, bytesOut: 1000, packets: 10, lost: 0, frames: 1 }), 1000);
    const s = computeSample(a, b);
    expect(s.bitrateInBps).toBe(0);
    expect(s.packetLoss).toBe(0);
  });

  it('has no bitrate for the first sample', () => {
    const s = computeSample(undefined, reduceReport(report(0, { bytesIn: 5000, bytesOut: 5000, packets: 10, lost: 0, frames: 1 }), 0));
    expect(s.bitrateInBps).toBe(0);
  });

  it('grades quality by loss and round-trip time', () => {
    expect(qualityOf(0, 40, true)).toBe('good');
    expect(qualityOf(0.03, 40, true)).toBe('fair');
    expect(qualityOf(0, 300, true)).toBe('fair');
    expect(qualityOf(0.1, 40, true)).toBe('poor');
    expect(qualityOf(0, 800, true)).toBe('poor');
    expect(qualityOf(0, undefined, false)).toBe('unknown');
  });
});
