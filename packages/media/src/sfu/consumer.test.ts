import { describe, expect, it, vi } from 'vitest';
import { parseRtp } from '../rtp.ts';
import { addTimestamp } from '../seq.ts';
import { Consumer, type ConsumerOptions } from './consumer.ts';
import { fakeClock, rtp, vp8Payload } from './packets.test-helper.ts';
import { Producer } from './producer.ts';
import { parseVp8Descriptor } from './vp8.ts';

const SSRCS = [0x1000, 0x2000, 0x3000];

function setup(consumer: Partial<ConsumerOptions> = {}) {
  const clock = fakeClock();
  const pli = vi.fn<(ssrc: number) => void>();
  const producer = new Producer({ id: 'p', kind: 'video', codec: 'VP8', clockRate: 90_000, payloadType: 96, rids: ['q', 'h', 'f'], requestKeyframe: pli, now: clock.now });
  const sent: Buffer[] = [];
  const offsets: number[] = [];
  const c = new Consumer({
    id: 'c', producer, ssrc: 0xcafe, payloadType: 100, initialSequenceNumber: 500, initialTimestamp: 7000, targetLayer: 0,
    send: (packet, offset) => {
      sent.push(packet);
      offsets.push(offset);
    },
    ...consumer,
  });
  /** Sends one VP8 packet on a layer; each layer has its own sequence and timestamp space. */
  const feed = (layer: number, seq: number, spec: Parameters<typeof vp8Payload>[0] = {}, extra: { ts?: number; marker?: boolean } = {}): void =>
    producer.receive(rtp({ ssrc: SSRCS[layer]!, seq: seq + layer * 20_000, ts: (extra.ts ?? seq * 3000) + layer * 1_000_000, marker: extra.marker ?? false, payload: vp8Payload(spec) }), layer);
  return { clock, pli, producer, consumer: c, sent, offsets, feed, out: () => sent.map((p) => parseRtp(p)) };
}

describe('Consumer rewriting', () => {
  it('rewrites SSRC, payload type, sequence and timestamp; keeps marker, CSRCs and payload; drops padding and extensions', () => {
    const { producer, out, offsets } = setup();
    const payload = vp8Payload({ keyframe: true });
    producer.receive(rtp({ ssrc: SSRCS[0]!, seq: 9, ts: 123, marker: true, csrcs: [77], paddingLength: 4, payload, extensions: new Map([[5, Buffer.from([1, 2, 3])]]) }), 0);
    const [p] = out();
    expect(p).toMatchObject({ ssrc: 0xcafe, payloadType: 100, sequenceNumber: 500, timestamp: 7000, marker: true, csrcs: [77], paddingLength: 0 });
    expect(p?.extensions.size).toBe(0);
    expect(p?.payload).toEqual(payload);
    expect(offsets).toEqual([-1]);
  });

  it('writes exactly one transport-cc element with a placeholder at the announced offset (one- and two-byte forms)', () => {
    for (const id of [3, 20]) {
      const { feed, sent, offsets } = setup({ transportCcExtensionId: id });
      feed(0, 1, { keyframe: true });
      const packet = sent[0]!;
      expect([...parseRtp(packet).extensions.keys()]).toEqual([id]);
      expect(packet.readUInt16BE(offsets[0]!)).toBe(0);
      packet.writeUInt16BE(0xbeef, offsets[0]!);
      expect(parseRtp(packet).extensions.get(id)).toEqual(Buffer.from([0xbe, 0xef]));
    }
  });

  it('starts a video stream only on a key frame, asking for one', () => {
    const { feed, sent, pli, consumer } = setup();
    feed(0, 1);
    expect(pli).toHaveBeenCalledWith(SSRCS[0]); // requested at construction, sent once the SSRC was known
    feed(0, 2);
    expect(sent).toHaveLength(0);
    feed(0, 3, { keyframe: true });
    feed(0, 4);
    expect(sent).toHaveLength(2);
    expect(consumer.currentLayer).toBe(0);
  });

  it('closes over padding-only packets so the subscriber sees no hole, also when reordered', () => {
    const { producer, feed, out, consumer } = setup();
    const padding = (seq: number): void => producer.receive(rtp({ ssrc: SSRCS[0]!, seq, ts: 0, paddingLength: 200 }), 0);
    feed(0, 1, { keyframe: true });
    feed(0, 2);
    padding(4);
    feed(0, 5);
    feed(0, 3); // late, from before the padding
    padding(6);
    feed(0, 7);
    expect(out().map((p) => p.sequenceNumber)).toEqual([500, 501, 503, 502, 504]);
    expect(consumer.stats.paddingDropped).toBe(2);
  });
});

describe('Consumer simulcast switching', () => {
  it('switches only at a key frame of the target layer, keeping sequence, timestamp and picture ids continuous', () => {
    const { feed, out, consumer, clock, pli } = setup();
    feed(0, 100, { keyframe: true, pictureId: 40, tl0PicIdx: 4 });
    clock.advance(33);
    feed(0, 101, { pictureId: 41, tl0PicIdx: 5 }, { marker: true });
    consumer.setTargetLayer(2);
    clock.advance(10);
    feed(2, 7, { pictureId: 9000, tl0PicIdx: 200 }); // not a key frame: keep layer 0
    expect(pli).toHaveBeenLastCalledWith(SSRCS[2]); // asked for as soon as the layer's SSRC was known
    feed(0, 102, { pictureId: 42, tl0PicIdx: 6 });
    expect(consumer.currentLayer).toBe(0);
    clock.advance(23);
    feed(2, 8, { keyframe: true, pictureId: 9001, tl0PicIdx: 201 });
    feed(2, 9, { pictureId: 9001, tl0PicIdx: 201 });
    feed(0, 103, { pictureId: 43, tl0PicIdx: 7 }); // old layer: no longer forwarded
    const o = out();
    expect(o.map((p) => p.sequenceNumber)).toEqual([500, 501, 502, 503, 504]);
    // Layer 0 ran 3000 ticks per packet; the switch leaves the wall-clock gap: 23 ms × 90 kHz.
    expect(o.map((p) => p.timestamp)).toEqual([7000, 10_000, 13_000, 13_000 + 23 * 90, 13_000 + 23 * 90 + 3000]);
    expect(o.map((p) => parseVp8Descriptor(p.payload)?.pictureId)).toEqual([40, 41, 42, 43, 43]);
    expect(o.map((p) => parseVp8Descriptor(p.payload)?.tl0PicIdx)).toEqual([4, 5, 6, 7, 7]);
    expect(consumer.currentLayer).toBe(2);
    expect(consumer.stats.layerSwitches).toBe(1);
  });

  it('waits for a key frame of the lower layer on the way down too', () => {
    const { feed, out, consumer } = setup({ targetLayer: 1 });
    feed(1, 1, { keyframe: true });
    consumer.setTargetLayer(0);
    feed(0, 1);
    feed(1, 2);
    feed(0, 2, { keyframe: true });
    feed(1, 3);
    expect(out().map((p) => p.ssrc === 0xcafe && p.sequenceNumber)).toEqual([500, 501, 502]);
    expect(consumer.currentLayer).toBe(0);
    expect(() => consumer.setTargetLayer(3)).toThrow(RangeError);
  });

  it('switching on a key frame whose first packet came late (retransmitted), forwards the packets of it already here', () => {
    const { feed, out, consumer } = setup();
    feed(0, 100, { keyframe: true, pictureId: 40, tl0PicIdx: 4 }, { marker: true });
    consumer.setTargetLayer(2);
    // The key frame's first packet (7) is lost on the way; the rest of the frame and the next one arrive.
    feed(2, 8, { start: false, pictureId: 9001, tl0PicIdx: 201 }, { ts: 21_000 });
    feed(2, 9, { start: false, pictureId: 9001, tl0PicIdx: 201 }, { ts: 21_000, marker: true });
    feed(2, 10, { pictureId: 9002, tl0PicIdx: 202 });
    expect(consumer.currentLayer).toBe(0);
    feed(2, 7, { keyframe: true, pictureId: 9001, tl0PicIdx: 201 }, { ts: 21_000 }); // its retransmission
    feed(2, 11, { start: false, pictureId: 9002, tl0PicIdx: 202 }, { marker: true });
    expect(consumer.currentLayer).toBe(2);
    // Nothing missing after the switch point: the subscriber could not get 8–10 by NACK (never forwarded).
    expect(out().map((p) => p.sequenceNumber)).toEqual([500, 501, 502, 503, 504, 505]);
    expect(out().slice(1).map((p) => parseVp8Descriptor(p.payload)?.pictureId)).toEqual([41, 41, 41, 42, 42]);
  });

  it('restarts on a key frame when the publisher changes the SSRC of the forwarded layer', () => {
    const { producer, feed, out } = setup();
    feed(0, 1, { keyframe: true });
    producer.receive(rtp({ ssrc: 0x9999, seq: 40_000, ts: 5, payload: vp8Payload() }), 0);
    producer.receive(rtp({ ssrc: 0x9999, seq: 40_001, ts: 5, payload: vp8Payload({ keyframe: true }) }), 0);
    expect(out().map((p) => p.sequenceNumber)).toEqual([500, 501]);
  });
});

describe('Consumer VP8 temporal thinning', () => {
  /** An L1T3 stream (TIDs 0 2 1 2 0 2 1 2 …), one packet per picture, pictures 100, 101, … on layer 0. */
  const TIDS = [0, 2, 1, 2];
  function stream(feed: ReturnType<typeof setup>['feed'], from: number, to: number): void {
    for (let i = from; i < to; i++) feed(0, i, { keyframe: i === 0, pictureId: 100 + i, tl0PicIdx: 7 + Math.floor(i / 4), temporalId: TIDS[i % 4]! }, { marker: true });
  }
  const pictures = (out: ReturnType<ReturnType<typeof setup>['out']>) => out.map((p) => parseVp8Descriptor(p.payload)?.pictureId);

  it('forwards only the base layer when asked, closing sequence numbers and picture ids over the pictures left out', () => {
    const { feed, out, consumer } = setup();
    consumer.setMaxTemporalLayer(0);
    stream(feed, 0, 9);
    expect(out().map((p) => p.sequenceNumber)).toEqual([500, 501, 502]);
    expect(pictures(out())).toEqual([100, 101, 102]);
    expect(out().map((p) => parseVp8Descriptor(p.payload)?.tl0PicIdx)).toEqual([7, 8, 9]);
    expect(out().map((p) => parseVp8Descriptor(p.payload)?.temporalId)).toEqual([0, 0, 0]);
    expect(consumer.stats.temporalDropped).toBe(6);
  });

  it('goes down at the next picture and back up only at a base-layer picture', () => {
    const { feed, out, consumer } = setup();
    stream(feed, 0, 3); // 0 2 1: all forwarded
    consumer.setMaxTemporalLayer(1);
    stream(feed, 3, 6); // 2 (dropped), 0, 2 (dropped)
    consumer.setMaxTemporalLayer(3);
    stream(feed, 6, 10); // 1, 2: not yet (no base picture since); then 0, 2
    expect(out().map((p) => parseVp8Descriptor(p.payload)?.temporalId)).toEqual([0, 2, 1, 0, 1, 0, 2]);
    expect(pictures(out())).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(out().map((p) => p.sequenceNumber)).toEqual([500, 501, 502, 503, 504, 505, 506]);
  });

  it('places a late packet among the pictures left out, and answers NACKs with the same numbers', () => {
    const sent: Buffer[] = [];
    const { feed, out, consumer } = setup({ sendRetransmission: (p) => sent.push(p) });
    consumer.setMaxTemporalLayer(1);
    feed(0, 0, { keyframe: true, pictureId: 100, tl0PicIdx: 7, temporalId: 0 }, { marker: true });
    feed(0, 1, { pictureId: 101, tl0PicIdx: 7, temporalId: 2 }, { marker: true }); // dropped
    // Picture 102 (TID 1) has two packets; its first comes late, after picture 103 (dropped) and 104.
    feed(0, 3, { start: false, pictureId: 102, tl0PicIdx: 7, temporalId: 1 }, { marker: true });
    feed(0, 4, { pictureId: 103, tl0PicIdx: 7, temporalId: 2 }, { marker: true }); // dropped
    feed(0, 5, { pictureId: 104, tl0PicIdx: 8, temporalId: 0 }, { marker: true });
    feed(0, 2, { pictureId: 102, tl0PicIdx: 7, temporalId: 1 });
    expect(out().map((p) => [p.sequenceNumber, parseVp8Descriptor(p.payload)?.pictureId])).toEqual([[500, 100], [502, 101], [503, 102], [501, 101]]);
    expect(consumer.handleNack([501, 503])).toBe(2);
    expect(sent.map((p) => [parseRtp(p).sequenceNumber, parseVp8Descriptor(parseRtp(p).payload)?.pictureId])).toEqual([[501, 101], [503, 102]]);
  });

  it('thins nothing in a stream without TIDs, and rejects a TID outside 0–3', () => {
    const { feed, out, consumer } = setup();
    consumer.setMaxTemporalLayer(0);
    feed(0, 0, { keyframe: true, pictureId: 5 });
    feed(0, 1, { pictureId: 6 });
    expect(out()).toHaveLength(2);
    expect(() => consumer.setMaxTemporalLayer(4)).toThrow(RangeError);
  });
});

describe('Consumer NACK and key-frame requests', () => {
  it('resends the same bytes under the same output sequence number, across a layer switch', () => {
    const { feed, sent, consumer, producer } = setup();
    const first: Buffer[] = [];
    const resent: Buffer[] = [];
    const c2 = new Consumer({ id: 'c2', producer, ssrc: 1, payloadType: 100, targetLayer: 0, initialSequenceNumber: 10, send: (p) => first.push(p), sendRetransmission: (p) => resent.push(p) });
    feed(0, 1, { keyframe: true, pictureId: 5, tl0PicIdx: 1 });
    feed(0, 2, { pictureId: 6, tl0PicIdx: 1 });
    consumer.setTargetLayer(1);
    feed(1, 1, { keyframe: true, pictureId: 700, tl0PicIdx: 90 });
    feed(1, 2, { pictureId: 701, tl0PicIdx: 90 });
    const before = sent.length;
    expect(consumer.handleNack([501, 502, 4242])).toBe(2);
    expect(sent.slice(before)).toEqual([sent[1], sent[2]]);
    expect(consumer.stats.retransmitted).toBe(2);
    // A separate retransmission path (e.g. RTX) gets the answers when given.
    expect(c2.handleNack([11])).toBe(1);
    expect(resent).toEqual([first[1]]);
    expect(first).toHaveLength(2);
  });

  it('with a resend guard, resends a packet at most once per its interval, and nothing over its budget', () => {
    let budget = 2;
    const guard = { minIntervalMs: 300, take: () => budget-- > 0 };
    const { feed, sent, consumer, clock } = setup({ resendGuard: guard });
    feed(0, 1, { keyframe: true });
    feed(0, 2);
    feed(0, 3);
    const before = sent.length;
    // A receiver asking again every 100 ms (Chrome without a round trip) gets each packet once per 300 ms.
    expect(consumer.handleNack([500])).toBe(1);
    clock.advance(100);
    expect(consumer.handleNack([500])).toBe(0);
    clock.advance(200);
    expect(consumer.handleNack([500])).toBe(1);
    // The budget is spent: nothing more, however long ago it was resent.
    expect(consumer.handleNack([501])).toBe(0);
    expect(sent.length - before).toBe(2);
    expect(consumer.stats).toMatchObject({ retransmitted: 2, resendTooSoon: 1, resendOverBudget: 1 });
  });

  it('resends nothing once the producer has forgotten the packet', () => {
    const { feed, consumer, producer } = setup();
    feed(0, 1, { keyframe: true });
    producer.close();
    expect(consumer.handleNack([500])).toBe(0);
  });

  it('passes subscriber PLIs on for the current layer, rate-limited by the producer', () => {
    const { feed, pli, consumer, clock } = setup();
    feed(0, 1, { keyframe: true });
    clock.advance(1000);
    pli.mockClear();
    consumer.handleKeyframeRequest();
    consumer.handleKeyframeRequest();
    expect(pli.mock.calls).toEqual([[SSRCS[0]]]);
  });
});

describe('Consumer state', () => {
  it('forwards nothing while paused and restarts on a key frame after resume', () => {
    const { feed, sent, consumer, clock } = setup();
    feed(0, 1, { keyframe: true });
    consumer.pause();
    feed(0, 2);
    feed(0, 3, { keyframe: true });
    expect(sent).toHaveLength(1);
    consumer.resume();
    clock.advance(500);
    feed(0, 4);
    feed(0, 5, { keyframe: true });
    const o = sent.map((p) => parseRtp(p));
    expect(o.map((p) => p.sequenceNumber)).toEqual([500, 501]);
    expect(o[1]?.timestamp).toBe(addTimestamp(7000, 500 * 90));
  });

  it('forwards every audio packet, without key frames or layers', () => {
    const clock = fakeClock();
    const pli = vi.fn();
    const producer = new Producer({ id: 'a', kind: 'audio', codec: 'opus', clockRate: 48_000, payloadType: 111, requestKeyframe: pli, now: clock.now });
    const sent: Buffer[] = [];
    const consumer = new Consumer({ id: 'c', producer, ssrc: 9, payloadType: 109, initialSequenceNumber: 65535, initialTimestamp: 0, send: (p) => sent.push(p) });
    for (let i = 0; i < 3; i++) {
      producer.receive(rtp({ ssrc: 4, seq: 10 + i, ts: 960 * i, pt: 111, payload: Buffer.from([i, 0xfc]) }), 0);
      clock.advance(20);
    }
    expect(sent.map((p) => parseRtp(p)).map((p) => [p.sequenceNumber, p.timestamp, p.payloadType, p.payload[0]])).toEqual([[65535, 0, 109, 0], [0, 960, 109, 1], [1, 1920, 109, 2]]);
    expect(consumer.lastSent).toEqual({ rtpTimestamp: 1920, at: 1040, packets: 3, octets: 6 });
    consumer.handleKeyframeRequest();
    expect(pli).not.toHaveBeenCalled();
  });

  it('close detaches from the producer once and calls onClose once', () => {
    const onClose = vi.fn();
    const { feed, sent, consumer } = setup({ onClose });
    feed(0, 1, { keyframe: true });
    consumer.close();
    consumer.close();
    feed(0, 2, { keyframe: true });
    expect(sent).toHaveLength(1);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(consumer.handleNack([500])).toBe(0);
  });

  it('rejects a bad SSRC, payload type or extension id with RangeError', () => {
    expect(() => setup({ ssrc: -1 })).toThrow(RangeError);
    expect(() => setup({ payloadType: 128 })).toThrow(RangeError);
    expect(() => setup({ transportCcExtensionId: 0 })).toThrow(RangeError);
  });
});
