import { describe, expect, it } from 'vitest';
import { isKeyframeStart } from './keyframe.ts';
import { rtp, vp8Payload, vp9Payload } from './packets.test-helper.ts';
import { newRtpView, readRtpView } from './rtp-view.ts';
import type { PacketInfo } from './types.ts';

function info(packet: Buffer): PacketInfo {
  const out: PacketInfo = { ...newRtpView(), pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1, layer: 0, keyframe: false, receivedAt: 0 };
  readRtpView(packet, out);
  return out;
}

describe('isKeyframeStart', () => {
  it('dispatches on the codec and fills VP8/VP9 picture ids', () => {
    const vp9 = rtp({ ssrc: 1, seq: 1, payload: vp9Payload({ pictureId: 4000, layer: { tid: 0, sid: 0 }, tl0PicIdx: 8 }) });
    const i = info(vp9);
    expect(isKeyframeStart('VP9', vp9, i)).toBe(true);
    expect(i).toMatchObject({ pictureId: 4000, pictureIdBits: 15, tl0PicIdx: 8 });
    const vp8 = rtp({ ssrc: 1, seq: 1, payload: vp8Payload({ keyframe: true, pictureId: 17 }) });
    const j = info(vp8);
    expect(isKeyframeStart('VP8', vp8, j)).toBe(true);
    expect(j.pictureId).toBe(17);
    const h264 = rtp({ ssrc: 1, seq: 1, payload: Buffer.from([0x7c, 0x85, 0xb8, 0x00]) });
    expect(isKeyframeStart('H264', h264, info(h264))).toBe(true);
    expect(isKeyframeStart('opus', h264, info(h264))).toBe(false);
  });
});
