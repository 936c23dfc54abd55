/**
 * One publisher's outgoing RTP: VP8 frames of `packetsPerFrame` packets at `fps`, Opus every 20 ms, each packet with
 * the RFC 8843 MID and transport-wide sequence header extensions a browser sends. Pure packet production: the
 * caller owns the clock and the socket, so this is testable without either.
 */
import { parseRtcp, serializeRtp } from '@parley/media';
import { opusPayload, vp8FramePayloads, writeTrailer } from './payload.ts';
import { MID_EXT_ID, OPUS_PT, TWCC_EXT_ID, VP8_PT } from './sdp.ts';

export interface MediaShape {
  fps: number;
  packetsPerFrame: number;
  /** RTP payload bytes of a video packet. */
  videoBytes: number;
  /** RTP payload bytes of an Opus packet (20 ms). */
  audioBytes: number;
  /** A key frame every this many frames (besides those asked for with PLI/FIR). */
  keyframeInterval: number;
  /**
   * All publishers' frames and audio packets go out at the same instants (one burst of every publisher's packets),
   * instead of each publisher's clocks starting at its own phase, as independent cameras and microphones do.
   */
  aligned: boolean;
}

export const DEFAULT_SHAPE: MediaShape = { fps: 30, packetsPerFrame: 8, videoBytes: 1100, audioBytes: 100, keyframeInterval: 90, aligned: false };

/** Publisher n's clocks start n × this fraction (mod 1) of an interval late: phases spread evenly for any count. */
const PHASE_STEP = (Math.sqrt(5) - 1) / 2;

/** RFC 7587 §4.1: Opus always counts 48 kHz; 20 ms is 960 ticks. RFC 7741 §4.1: VP8 at 90 kHz. */
const AUDIO_TICKS = 960;
const AUDIO_INTERVAL_NS = 20_000_000n;

export interface TrackState {
  ssrc: number;
  mid: string;
  seq: number;
  /** The first packet's sequence number: packet `benchSeq` carries `(firstSeq + benchSeq) & 0xffff`. */
  readonly firstSeq: number;
  timestamp: number;
  /** Bench sequence (never wraps within a run), written into the trailer. */
  benchSeq: number;
  /** Packets whose send time fell inside the current window. */
  inWindow: number;
}

export class MediaSource {
  readonly publisher: number;
  readonly audio: TrackState;
  readonly video: TrackState;
  shape: MediaShape;
  #transportSeq = 0;
  #frames = 0;
  #keyRequested = true;
  #pictureId = 0;
  #nextAudioNs = 0n;
  #nextFrameNs = 0n;
  #windowFrom = 0n;
  #windowTo = -1n;
  keyframesSent = 0;
  keyRequests = 0;

  constructor(publisher: number, ssrcs: { audio: number; video: number }, mids: { audio: string; video: string }, shape: MediaShape = DEFAULT_SHAPE) {
    this.publisher = publisher;
    this.shape = shape;
    const track = (ssrc: number, mid: string): TrackState => ({ ssrc, mid, seq: (ssrc >>> 16) & 0x7fff, firstSeq: (ssrc >>> 16) & 0x7fff, timestamp: ssrc & 0xffffff, benchSeq: 0, inWindow: 0 });
    this.audio = track(ssrcs.audio, mids.audio);
    this.video = track(ssrcs.video, mids.video);
  }

  setWindow(fromNs: bigint, toNs: bigint): void {
    this.#windowFrom = fromNs;
    this.#windowTo = toNs;
    this.audio.inWindow = 0;
    this.video.inWindow = 0;
  }

  /** A subscriber asked for a key frame (PLI, FIR) through the SFU: the next frame is one. */
  requestKeyframe(): void {
    this.#keyRequested = true;
    this.keyRequests++;
  }

  /** Inspects the server's RTCP for PLI/FIR aimed at our video SSRC. Malformed RTCP is ignored. */
  onRtcp(packet: Buffer): void {
    let parsed;
    try {
      parsed = parseRtcp(packet);
    } catch {
      return;
    }
    for (const p of parsed.packets) {
      if (p.type === 'pli' && p.mediaSsrc === this.video.ssrc) this.requestKeyframe();
      else if (p.type === 'fir' && p.entries.some((e) => e.ssrc === this.video.ssrc)) this.requestKeyframe();
    }
  }

  /** Every packet due at `nowNs` (monotonic ns), in send order. The first call starts the clock. */
  due(nowNs: bigint): Buffer[] {
    const frameNs = BigInt(Math.round(1e9 / this.shape.fps));
    if (this.#nextAudioNs === 0n) {
      const phase = this.shape.aligned ? 0 : (this.publisher * PHASE_STEP) % 1;
      this.#nextAudioNs = nowNs + BigInt(Math.round(phase * Number(AUDIO_INTERVAL_NS)));
      this.#nextFrameNs = nowNs + BigInt(Math.round(phase * Number(frameNs)));
    }
    const out: Buffer[] = [];
    // Bounded catch-up: after a stall at most 5 intervals are sent at once, the rest is skipped (as an encoder would).
    for (let i = 0; i < 5 && this.#nextAudioNs <= nowNs; i++) {
      out.push(this.#packet(this.audio, OPUS_PT, opusPayload(this.shape.audioBytes), false, 0, nowNs, false));
      this.audio.timestamp = (this.audio.timestamp + AUDIO_TICKS) >>> 0;
      this.#nextAudioNs += AUDIO_INTERVAL_NS;
    }
    if (this.#nextAudioNs <= nowNs) this.#nextAudioNs = nowNs + AUDIO_INTERVAL_NS;
    for (let i = 0; i < 5 && this.#nextFrameNs <= nowNs; i++) {
      out.push(...this.#frame(nowNs));
      this.#nextFrameNs += frameNs;
    }
    if (this.#nextFrameNs <= nowNs) this.#nextFrameNs = nowNs + frameNs;
    return out;
  }

  #frame(nowNs: bigint): Buffer[] {
    const key = this.#keyRequested || this.#frames % this.shape.keyframeInterval === 0;
    this.#keyRequested = false;
    this.#frames++;
    if (key) this.keyframesSent++;
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    const payloads = vp8FramePayloads({ pictureId: this.#pictureId, key, packets: this.shape.packetsPerFrame, payloadBytes: this.shape.videoBytes });
    const out = payloads.map((p, i) => this.#packet(this.video, VP8_PT, p, i === payloads.length - 1, 1, nowNs, key && i === 0));
    this.video.timestamp = (this.video.timestamp + Math.round(90_000 / this.shape.fps)) >>> 0;
    return out;
  }

  #packet(t: TrackState, pt: number, payload: Buffer, marker: boolean, track: number, nowNs: bigint, key: boolean): Buffer {
    writeTrailer(payload, { publisher: this.publisher, track, key, seq: t.benchSeq++, sentNs: nowNs });
    if (nowNs >= this.#windowFrom && nowNs <= this.#windowTo) t.inWindow++;
    const twcc = Buffer.alloc(2);
    twcc.writeUInt16BE(this.#transportSeq, 0);
    this.#transportSeq = (this.#transportSeq + 1) & 0xffff;
    const packet = serializeRtp({
      marker, payloadType: pt, sequenceNumber: t.seq, timestamp: t.timestamp, ssrc: t.ssrc, csrcs: [], paddingLength: 0, payload,
      extensions: new Map([[MID_EXT_ID, Buffer.from(t.mid)], [TWCC_EXT_ID, twcc]]),
    });
    t.seq = (t.seq + 1) & 0xffff;
    return packet;
  }
}
