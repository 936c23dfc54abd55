import { describe, expect, it } from 'vitest';
import { parseRtp, serializeFir, serializePli } from '@parley/media';
import { DEFAULT_SHAPE, MediaSource } from './media-source.ts';
import { isVp8KeyStart, readTrailer } from './payload.ts';
import { MID_EXT_ID, OPUS_PT, TWCC_EXT_ID, VP8_PT } from './sdp.ts';

const S = 1_000_000_000n;
const newSource = () => new MediaSource(3, { audio: 111, video: 222 }, { audio: '0', video: '1' }, { ...DEFAULT_SHAPE, fps: 10, packetsPerFrame: 4, keyframeInterval: 5, aligned: true });

/** Drives the source with a 5 ms clock for `seconds`: every packet it produces. */
function run(src: MediaSource, fromNs: bigint, seconds: number): Buffer[] {
  const out: Buffer[] = [];
  for (let t = 0n; t < BigInt(seconds) * S; t += 5_000_000n) out.push(...src.due(fromNs + t));
  return out;
}

describe('MediaSource', () => {
  it("starts each publisher's clocks at its own phase unless aligned", () => {
    const firstFrameAt = (publisher: number, aligned: boolean): number => {
      const src = new MediaSource(publisher, { audio: 1, video: 2 }, { audio: '0', video: '1' }, { ...DEFAULT_SHAPE, aligned });
      for (let ms = 0; ms < 100; ms++) if (src.due(S + BigInt(ms) * 1_000_000n).some((p) => parseRtp(p).payloadType === VP8_PT)) return ms;
      return -1;
    };
    expect([0, 1, 2].map((n) => firstFrameAt(n, true))).toEqual([0, 0, 0]);
    const spread = [0, 1, 2].map((n) => firstFrameAt(n, false));
    expect(spread[0]).toBe(0);
    expect(new Set(spread).size).toBe(3);
    expect(spread.every((ms) => ms >= 0 && ms < 34)).toBe(true);
  });

  it('sends Opus at 50 packets/s and VP8 at fps × packets per frame, with marker on the last packet of a frame', () => {
    const packets = run(newSource(), 10n * S, 2).map((p) => parseRtp(p));
    const audio = packets.filter((p) => p.payloadType === OPUS_PT);
    const video = packets.filter((p) => p.payloadType === VP8_PT);
    expect(audio.length).toBe(100);
    expect(video.length).toBe(2 * 10 * 4);
    expect(video.filter((p) => p.marker).length).toBe(20);
    expect(audio[1]!.timestamp - audio[0]!.timestamp).toBe(960);
    expect((video[4]!.timestamp - video[0]!.timestamp) >>> 0).toBe(9000);
    // Sequence numbers are consecutive per SSRC; MID and transport-wide sequence extensions on every packet.
    expect(video.every((p, i) => i === 0 || p.sequenceNumber === ((video[i - 1]!.sequenceNumber + 1) & 0xffff))).toBe(true);
    expect(video[0]!.extensions.get(MID_EXT_ID)?.toString()).toBe('1');
    const twcc = packets.map((p) => p.extensions.get(TWCC_EXT_ID)?.readUInt16BE(0));
    expect(twcc.every((n, i) => i === 0 || n === (((twcc[i - 1] as number) + 1) & 0xffff))).toBe(true);
  });

  it('writes trailers with per-track bench sequences and the send time', () => {
    const src = newSource();
    const [first] = src.due(42n * S);
    const p = parseRtp(first as Buffer);
    expect(readTrailer(p.payload, 0, p.payload.length)).toEqual({ publisher: 3, track: 0, key: false, seq: 0, sentNs: 42n * S });
  });

  it('starts with a key frame, repeats one every keyframeInterval frames, and sends one on PLI or FIR', () => {
    const src = newSource();
    const keys = (packets: Buffer[]) => packets.map((p) => parseRtp(p)).filter((p) => p.payloadType === VP8_PT && isVp8KeyStart(p.payload)).length;
    expect(keys(run(src, S, 1))).toBe(2); // frames 0 and 5 of 10
    src.onRtcp(serializePli({ type: 'pli', senderSsrc: 1, mediaSsrc: 222 }));
    src.onRtcp(serializePli({ type: 'pli', senderSsrc: 1, mediaSsrc: 999 })); // someone else's
    src.onRtcp(Buffer.from([1, 2, 3])); // malformed: ignored
    const next = src.due(10n * S);
    expect(keys(next)).toBe(1);
    expect(src.keyRequests).toBe(1);
    src.onRtcp(serializeFir({ type: 'fir', senderSsrc: 1, entries: [{ ssrc: 222, sequenceNumber: 1 }] }));
    expect(src.keyRequests).toBe(2);
  });

  it('counts packets sent inside the window per track', () => {
    const src = newSource();
    src.setWindow(S, 2n * S - 1n);
    run(src, 0n, 3);
    expect(src.audio.inWindow).toBe(50);
    expect(src.video.inWindow).toBe(40);
  });

  it('bounds catch-up after a stall instead of bursting everything missed', () => {
    const src = newSource();
    src.due(0n);
    const burst = src.due(10n * S).map((p) => parseRtp(p));
    expect(burst.filter((p) => p.payloadType === OPUS_PT).length).toBe(5);
    expect(burst.filter((p) => p.payloadType === VP8_PT).length).toBe(5 * 4);
  });
});
