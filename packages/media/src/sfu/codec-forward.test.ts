import { describe, expect, it, vi } from 'vitest';
import { parseRtp } from '../rtp.ts';
import { Consumer } from './consumer.ts';
import { fakeClock, rtp, vp9Payload, type Vp9PayloadSpec } from './packets.test-helper.ts';
import { Producer } from './producer.ts';
import type { ProducerCodec } from './types.ts';
import type { Vp8Ids } from './vp8.ts';
import { readVp9Ids } from './vp9.ts';

const SSRCS = [0x1000, 0x2000, 0x3000];

function setup(codec: ProducerCodec) {
  const clock = fakeClock();
  const pli = vi.fn<(ssrc: number) => void>();
  const producer = new Producer({ id: 'p', kind: 'video', codec, clockRate: 90_000, payloadType: 98, rids: ['q', 'h', 'f'], requestKeyframe: pli, now: clock.now });
  const sent: Buffer[] = [];
  // The subscriber's payload type for the same codec differs from the publisher's.
  const consumer = new Consumer({ id: 'c', producer, ssrc: 0xcafe, payloadType: 100, initialSequenceNumber: 500, initialTimestamp: 7000, targetLayer: 0, send: (p) => void sent.push(p) });
  const feed = (layer: number, seq: number, payload: Buffer): void =>
    producer.receive(rtp({ ssrc: SSRCS[layer]!, seq: seq + layer * 20_000, ts: seq * 3000 + layer * 1_000_000, pt: 98, payload }), layer);
  return { clock, producer, consumer, sent, feed, out: () => sent.map((p) => parseRtp(p)) };
}

function vp9Ids(payload: Buffer): Vp8Ids {
  const ids: Vp8Ids = { pictureId: -1, pictureIdBits: 0, tl0PicIdx: -1 };
  readVp9Ids(payload, 0, payload.length, ids);
  return ids;
}

describe('forwarding VP9 simulcast', () => {
  const key = (pictureId: number, tl0PicIdx: number): Vp9PayloadSpec => ({ pictureId, layer: { tid: 0, sid: 0 }, tl0PicIdx, ss: { width: 320, height: 180 } });
  const delta = (pictureId: number, tl0PicIdx: number, tid = 1): Vp9PayloadSpec => ({ pictureId, inter: true, layer: { tid, sid: 0 }, tl0PicIdx });

  it('switches layers only at a key frame, with picture id and TL0PICIDX continuous and the payload type rewritten', () => {
    const { feed, out, consumer, clock, producer } = setup('VP9');
    feed(0, 100, vp9Payload(delta(20, 3)));
    expect(out()).toHaveLength(0); // no key frame yet
    feed(0, 101, vp9Payload(key(0x7ffe, 4)));
    feed(0, 102, vp9Payload(delta(0x7fff, 4)));
    consumer.setTargetLayer(2);
    clock.advance(20);
    feed(2, 7, vp9Payload(delta(500, 90))); // not a key frame: layer 0 keeps flowing
    feed(0, 103, vp9Payload(delta(0, 5, 0)));
    feed(2, 8, vp9Payload(key(501, 91)));
    feed(2, 9, vp9Payload(delta(502, 91)));
    feed(0, 104, vp9Payload(delta(1, 5))); // the old layer is no longer forwarded
    const o = out();
    expect(o.map((p) => p.payloadType)).toEqual([100, 100, 100, 100, 100]);
    expect(o.map((p) => p.sequenceNumber)).toEqual([500, 501, 502, 503, 504]);
    // 15-bit picture ids wrap and continue across the switch: 0x7ffe, 0x7fff, 0, then the new layer's 1, 2.
    expect(o.map((p) => vp9Ids(p.payload).pictureId)).toEqual([0x7ffe, 0x7fff, 0, 1, 2]);
    expect(o.map((p) => vp9Ids(p.payload).tl0PicIdx)).toEqual([4, 4, 5, 6, 6]);
    expect(consumer.currentLayer).toBe(2);
    expect(producer.layers()[0]).toMatchObject({ width: 320, height: 180 });
  });

  it('resends a VP9 packet with the picture id it was first sent with', () => {
    const { feed, out, consumer, sent } = setup('VP9');
    feed(0, 1, vp9Payload(key(100, 1)));
    consumer.setTargetLayer(1);
    feed(1, 1, vp9Payload(key(9000, 50)));
    expect(consumer.handleNack([501])).toBe(1);
    const [first, resent] = [parseRtp(sent[1]!), out()[2]!];
    expect(resent.sequenceNumber).toBe(501);
    expect(vp9Ids(resent.payload)).toEqual(vp9Ids(first.payload));
    expect(vp9Ids(resent.payload).pictureId).toBe(101);
  });
});

describe('forwarding H.264 simulcast', () => {
  const STAP_SPS_PPS_IDR = Buffer.from([0x78, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1f, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80, 0x00, 0x03, 0x65, 0xb8, 0x00]);
  const FU_A_MIDDLE_OF_IDR = Buffer.from([0x7c, 0x05, 0x11, 0x22]);
  const NON_IDR = Buffer.from([0x41, 0x9a, 0x02, 0x04]);

  it('starts and switches on an SPS/IDR, rewriting only the RTP header (the payload goes through untouched)', () => {
    const { feed, out, consumer } = setup('H264');
    feed(0, 1, NON_IDR);
    feed(0, 2, FU_A_MIDDLE_OF_IDR);
    expect(out()).toHaveLength(0);
    feed(0, 3, STAP_SPS_PPS_IDR);
    feed(0, 4, NON_IDR);
    consumer.setTargetLayer(1);
    feed(1, 5, NON_IDR);
    feed(1, 6, STAP_SPS_PPS_IDR);
    const o = out();
    expect(o.map((p) => [p.payloadType, p.sequenceNumber, p.ssrc])).toEqual([[100, 500, 0xcafe], [100, 501, 0xcafe], [100, 502, 0xcafe]]);
    expect(o.map((p) => p.payload)).toEqual([STAP_SPS_PPS_IDR, NON_IDR, STAP_SPS_PPS_IDR]);
    expect(consumer.currentLayer).toBe(1);
  });
});
