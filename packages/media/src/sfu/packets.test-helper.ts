import { serializeRtp } from '../rtp.ts';

export interface Vp8PayloadSpec {
  start?: boolean;
  partitionId?: number;
  pictureId?: number;
  /** 7 or 15 (default 15 when pictureId is set). */
  pictureIdBits?: 7 | 15;
  tl0PicIdx?: number;
  temporalId?: number;
  keyIdx?: number;
  keyframe?: boolean;
  width?: number;
  height?: number;
  /** Bytes after the frame header (default 20 bytes of 0xab). */
  body?: Buffer;
}

/**
 * An RFC 7741 payload: descriptor (§4.2), then the VP8 frame tag (RFC 6386 §9.1: 3 bytes, little-endian, bit 0 =
 * 0 for a key frame, version, show_frame, 19-bit first partition size) and, for key frames, the start code
 * 9d 01 2a and the 14-bit width and height with 2-bit scale fields.
 */
export function vp8Payload(spec: Vp8PayloadSpec = {}): Buffer {
  const bytes: number[] = [];
  const hasT = spec.temporalId !== undefined;
  const hasK = spec.keyIdx !== undefined;
  const ext = spec.pictureId !== undefined || spec.tl0PicIdx !== undefined || hasT || hasK;
  bytes.push((ext ? 0x80 : 0) | (spec.start ?? true ? 0x10 : 0) | (spec.partitionId ?? 0));
  if (ext) {
    bytes.push((spec.pictureId !== undefined ? 0x80 : 0) | (spec.tl0PicIdx !== undefined ? 0x40 : 0) | (hasT ? 0x20 : 0) | (hasK ? 0x10 : 0));
    if (spec.pictureId !== undefined) {
      if ((spec.pictureIdBits ?? 15) === 15) bytes.push(0x80 | ((spec.pictureId >> 8) & 0x7f), spec.pictureId & 0xff);
      else bytes.push(spec.pictureId & 0x7f);
    }
    if (spec.tl0PicIdx !== undefined) bytes.push(spec.tl0PicIdx);
    if (hasT || hasK) bytes.push(((spec.temporalId ?? 0) << 6) | (spec.keyIdx ?? 0));
  }
  const firstPartitionSize = 1234;
  const tag = (spec.keyframe ? 0 : 1) | (0 << 1) | (1 << 4) | (firstPartitionSize << 5);
  bytes.push(tag & 0xff, (tag >> 8) & 0xff, (tag >> 16) & 0xff);
  if (spec.keyframe) {
    const w = (spec.width ?? 640) | (1 << 14); // horizontal_scale = 1: must be masked off by readers
    const h = (spec.height ?? 480) | (2 << 14);
    bytes.push(0x9d, 0x01, 0x2a, w & 0xff, w >> 8, h & 0xff, h >> 8);
  }
  return Buffer.concat([Buffer.from(bytes), spec.body ?? Buffer.alloc(20, 0xab)]);
}

export interface RtpSpec {
  ssrc: number;
  seq: number;
  ts?: number;
  pt?: number;
  marker?: boolean;
  payload?: Buffer;
  extensions?: Map<number, Buffer>;
  csrcs?: number[];
  paddingLength?: number;
}

export function rtp(spec: RtpSpec): Buffer {
  return serializeRtp({
    marker: spec.marker ?? false,
    payloadType: spec.pt ?? 96,
    sequenceNumber: spec.seq & 0xffff,
    timestamp: (spec.ts ?? 0) >>> 0,
    ssrc: spec.ssrc,
    csrcs: spec.csrcs ?? [],
    extensions: spec.extensions ?? new Map(),
    paddingLength: spec.paddingLength ?? 0,
    payload: spec.payload ?? Buffer.alloc(0),
  });
}

/** A controllable clock. */
export function fakeClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface Vp9PayloadSpec {
  /** B: first packet of the frame (default true). */
  start?: boolean;
  /** E: last packet of the frame (default true). */
  end?: boolean;
  /** P: inter-picture predicted (default false: a key frame when it also starts the frame on spatial layer 0). */
  inter?: boolean;
  pictureId?: number;
  /** 7 or 15 (default 15 when pictureId is set). */
  pictureIdBits?: 7 | 15;
  /** Layer indices (L=1): temporal and spatial layer ids. */
  layer?: { tid: number; sid: number };
  /** F: flexible mode (no TL0PICIDX; reference indices when inter). */
  flexible?: boolean;
  /** Non-flexible mode with layer indices (default 0 there). */
  tl0PicIdx?: number;
  /** Flexible mode, inter frames: P_DIFF of each reference. */
  pDiffs?: number[];
  /** V: a scalability structure with one spatial layer of this size. */
  ss?: { width: number; height: number };
  body?: Buffer;
}

/** An RFC 9628 §4.2 payload descriptor (I|P|L|F|B|E|V|Z …) followed by `body` (default 20 bytes of 0xcd). */
export function vp9Payload(spec: Vp9PayloadSpec = {}): Buffer {
  const hasI = spec.pictureId !== undefined;
  const b0 = (hasI ? 0x80 : 0) | (spec.inter ? 0x40 : 0) | (spec.layer ? 0x20 : 0) | (spec.flexible ? 0x10 : 0)
    | ((spec.start ?? true) ? 0x08 : 0) | ((spec.end ?? true) ? 0x04 : 0) | (spec.ss ? 0x02 : 0);
  const bytes = [b0];
  if (hasI) {
    const id = spec.pictureId as number;
    if ((spec.pictureIdBits ?? 15) === 15) bytes.push(0x80 | ((id >> 8) & 0x7f), id & 0xff);
    else bytes.push(id & 0x7f);
  }
  if (spec.layer) {
    bytes.push((spec.layer.tid << 5) | (spec.layer.sid << 1));
    if (!spec.flexible) bytes.push(spec.tl0PicIdx ?? 0);
  }
  if (spec.flexible && spec.inter) {
    const diffs = spec.pDiffs ?? [1];
    diffs.forEach((d, i) => bytes.push((d << 1) | (i < diffs.length - 1 ? 1 : 0)));
  }
  if (spec.ss) {
    // N_S = 0 (one spatial layer), Y = 1, G = 0.
    bytes.push(0x10, spec.ss.width >> 8, spec.ss.width & 0xff, spec.ss.height >> 8, spec.ss.height & 0xff);
  }
  return Buffer.concat([Buffer.from(bytes), spec.body ?? Buffer.alloc(20, 0xcd)]);
}
