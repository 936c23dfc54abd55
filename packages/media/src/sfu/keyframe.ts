import { isH264KeyframeStart } from './h264.ts';
import type { PacketInfo, ProducerCodec } from './types.ts';
import { vp8KeyframeStart } from './vp8.ts';
import { vp9KeyframeStart } from './vp9.ts';

export { isH264KeyframeStart } from './h264.ts';
export { isVp9KeyframeStart } from './vp9.ts';

/**
 * Key-frame starts per codec. The SFU only needs "may a decoder start here": the first packet of an independently
 * decodable frame. For VP8 and VP9 this also fills the packet's picture ids into `info`.
 */
export function isKeyframeStart(codec: ProducerCodec, packet: Buffer, info: PacketInfo): boolean {
  switch (codec) {
    case 'VP8':
      return vp8KeyframeStart(packet, info.payloadOffset, info.payloadEnd, info);
    case 'VP9':
      return vp9KeyframeStart(packet, info.payloadOffset, info.payloadEnd, info);
    case 'H264':
      return isH264KeyframeStart(packet, info.payloadOffset, info.payloadEnd);
    case 'opus':
      return false;
  }
}
