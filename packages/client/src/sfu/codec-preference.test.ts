import { describe, expect, it } from 'vitest';
import { codecOrder, encodingsForCodec, type CodecCapability } from './codec-preference.ts';

/** RTCRtpSender.getCapabilities('video').codecs of Debian's Chromium 156 (OpenH264 included), in its order. */
const CHROMIUM: CodecCapability[] = [
  { mimeType: 'video/VP8', clockRate: 90000 },
  { mimeType: 'video/rtx', clockRate: 90000 },
  { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f' },
  { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f' },
  { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' },
  { mimeType: 'video/AV1', clockRate: 90000, sdpFmtpLine: 'level-idx=5;profile=0;tier=0' },
  { mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=0' },
  { mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=2' },
  { mimeType: 'video/red', clockRate: 90000 },
];

const names = (list: CodecCapability[] | undefined) => list?.map((c) => `${c.mimeType} ${c.sdpFmtpLine ?? ''}`.trim());

describe('codecOrder', () => {
  it('puts VP9 first, profile 0 before profile 2, and keeps every other codec after it', () => {
    const order = codecOrder(CHROMIUM, 'vp9');
    expect(names(order)?.slice(0, 3)).toEqual(['video/VP9 profile-id=0', 'video/VP9 profile-id=2', 'video/VP8']);
    expect(order).toHaveLength(CHROMIUM.length);
  });

  it('puts H.264 packetization-mode 1 first, constrained baseline (42e0xx) before the rest; mode 0 stays behind', () => {
    const order = names(codecOrder(CHROMIUM, 'h264'));
    expect(order?.slice(0, 2)).toEqual([
      'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      'video/H264 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
    ]);
    expect(order?.[2]).toBe('video/VP8');
  });

  it('leaves the browser default (VP8 first) for vp8, or when the browser cannot send the codec', () => {
    expect(codecOrder(CHROMIUM, 'vp8')).toBeUndefined();
    expect(codecOrder(CHROMIUM.filter((c) => !c.mimeType.includes('VP9')), 'vp9')).toBeUndefined();
    // Only mode 0: the SFU would refuse it.
    expect(codecOrder(CHROMIUM.filter((c) => !c.sdpFmtpLine?.includes('packetization-mode=1')), 'h264')).toBeUndefined();
  });
});

describe('encodingsForCodec', () => {
  it('makes VP9 simulcast real simulcast (one spatial layer per encoding), and leaves VP8, H.264 and one encoding alone', () => {
    const simulcast = [{ rid: 'q' }, { rid: 'h' }, { rid: 'f', active: false }];
    expect(encodingsForCodec(simulcast, 'vp9')).toEqual([{ rid: 'q', scalabilityMode: 'L1T3' }, { rid: 'h', scalabilityMode: 'L1T3' }, { rid: 'f', active: false, scalabilityMode: 'L1T3' }]);
    expect(simulcast[0]).toEqual({ rid: 'q' });
    expect(encodingsForCodec(simulcast, 'vp8')).toBe(simulcast);
    expect(encodingsForCodec(simulcast, 'h264')).toBe(simulcast);
    expect(encodingsForCodec(undefined, 'vp9')).toBeUndefined();
  });
});
