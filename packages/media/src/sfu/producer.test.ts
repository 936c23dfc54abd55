import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { serializeAudioLevel } from '../rtp-extensions.ts';
import { Consumer } from './consumer.ts';
import { fakeClock, rtp, vp8Payload } from './packets.test-helper.ts';
import { Producer, type ProducerOptions, SfuStateError } from './producer.ts';

function video(extra: Partial<ProducerOptions> = {}): { producer: Producer; clock: ReturnType<typeof fakeClock>; pli: ReturnType<typeof vi.fn>; nack: ReturnType<typeof vi.fn> } {
  const clock = fakeClock();
  const pli = vi.fn();
  const nack = vi.fn();
  const producer = new Producer({
    id: 'p', kind: 'video', codec: 'VP8', clockRate: 90_000, payloadType: 96, rids: ['q', 'h', 'f'],
    requestKeyframe: pli, requestRetransmission: nack, now: clock.now, ...extra,
  });
  return { producer, clock, pli, nack };
}

describe('Producer.receive', () => {
  it('binds each SSRC to the layer it first arrives on', () => {
    const { producer } = video();
    producer.receive(rtp({ ssrc: 11, seq: 1, payload: vp8Payload() }), 0);
    producer.receive(rtp({ ssrc: 33, seq: 1, payload: vp8Payload() }), 2);
    expect(producer.layerOf(11)).toBe(0);
    expect(producer.layerOf(33)).toBe(2);
    expect(producer.layerOf(22)).toBeUndefined();
    expect(producer.layers().map((l) => [l.rid, l.ssrc, l.packets])).toEqual([['q', 11, 1], ['h', undefined, 0], ['f', 33, 1]]);
  });

  it('counts malformed packets and never throws', () => {
    const { producer } = video();
    const good = rtp({ ssrc: 11, seq: 1, payload: vp8Payload() });
    const badVersion = Buffer.from(good);
    badVersion[0] = 0x40;
    const badPadding = Buffer.from(good);
    badPadding[0]! |= 0x20;
    badPadding[badPadding.length - 1] = 200;
    const inputs: [Buffer, number][] = [
      [Buffer.alloc(5), 0], [badVersion, 0], [badPadding, 0], [good, 3], [good, -1], [good, 0.5],
      [Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11, 0xbe, 0xde, 0, 9]), 0], // extension longer than the packet
    ];
    for (const [packet, layer] of inputs) expect(() => producer.receive(packet, layer)).not.toThrow();
    expect(producer.stats.malformed).toBe(inputs.length);
    producer.receive(good, 0);
    producer.receive(rtp({ ssrc: 11, seq: 2, payload: vp8Payload() }), 1); // SSRC 11 belongs to layer 0
    producer.receive(rtp({ ssrc: 12, seq: 2, pt: 100, payload: vp8Payload() }), 1);
    expect(producer.stats).toMatchObject({ malformed: inputs.length + 1, wrongPayloadType: 1, packets: 1 });
  });

  it('survives arbitrary bytes (and mutated real packets) with consumers attached', () => {
    const { producer } = video();
    const sent = vi.fn();
    new Consumer({ id: 'c', producer, ssrc: 1, payloadType: 100, transportCcExtensionId: 2, targetLayer: 0, send: sent });
    producer.receive(rtp({ ssrc: 11, seq: 0, payload: vp8Payload({ keyframe: true }) }), 0);
    const base = rtp({ ssrc: 11, seq: 1, payload: vp8Payload({ pictureId: 3, tl0PicIdx: 1, keyframe: true }), extensions: new Map([[1, Buffer.from([5])]]) });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(80), fc.integer({ min: -1, max: 3 }), (noise, at, layer) => {
      const mutated = Buffer.from(base);
      mutated.set(noise.subarray(0, Math.max(0, mutated.length - at)), Math.min(at, mutated.length));
      expect(() => producer.receive(mutated.subarray(0, Math.max(at, 1)), layer)).not.toThrow();
      expect(() => producer.receive(Buffer.from(noise), layer)).not.toThrow();
    }), { numRuns: 500 });
    expect(producer.stats.consumerErrors).toBe(0);
    expect(sent).toHaveBeenCalled();
  });

  it('drops duplicates, counts reordering, and NACKs a gap to the publisher', () => {
    const { producer, nack } = video();
    const send = vi.fn();
    new Consumer({ id: 'c', producer, ssrc: 1, payloadType: 100, send, targetLayer: 0 });
    producer.receive(rtp({ ssrc: 11, seq: 65534, payload: vp8Payload({ keyframe: true }) }), 0);
    producer.receive(rtp({ ssrc: 11, seq: 2, payload: vp8Payload() }), 0); // 65535, 0, 1 missing
    expect(nack).toHaveBeenCalledWith(11, [65535, 0, 1]);
    producer.receive(rtp({ ssrc: 11, seq: 0, payload: vp8Payload() }), 0); // the retransmission
    producer.receive(rtp({ ssrc: 11, seq: 0, payload: vp8Payload() }), 0); // again
    producer.receive(rtp({ ssrc: 11, seq: 2, payload: vp8Payload() }), 0);
    expect(producer.stats).toMatchObject({ packets: 3, duplicates: 2, outOfOrder: 1, nacksSent: 1 });
    expect(send).toHaveBeenCalledTimes(3);
    producer.receive(rtp({ ssrc: 11, seq: 5000, payload: vp8Payload() }), 0); // a jump, not loss
    expect(nack).toHaveBeenCalledTimes(1);
  });

  it('a VP8 packet the publisher never resends: a key frame is asked for when it was media, not when it was padding', () => {
    const { producer, clock, pli } = video({ keyframeIntervalMs: 0 });
    const send = (seq: number, pic: number, start: boolean, end: boolean) => producer.receive(rtp({ ssrc: 11, seq, marker: end, payload: vp8Payload({ pictureId: pic, start, keyframe: seq === 1 }) }), 0);
    new Consumer({ id: 'c', producer, ssrc: 5, payloadType: 100, targetLayer: 0, send: () => {} });
    send(1, 1, true, true);
    // Seq 2 lost between two whole pictures (padding), seq 5 lost inside picture 3.
    send(3, 2, true, true);
    send(4, 3, true, false);
    send(6, 3, false, true);
    pli.mockClear();
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      producer.retryNacks();
    }
    expect(producer.stats).toMatchObject({ nacksGivenUp: 2, mediaLostForGood: 1 });
    expect(pli).toHaveBeenCalledTimes(1);
    expect(pli).toHaveBeenCalledWith(11);
    // The same loss on a layer nobody is forwarded: counted, no key frame asked for.
    producer.receive(rtp({ ssrc: 33, seq: 1, marker: false, payload: vp8Payload({ pictureId: 1, start: true }) }), 2);
    producer.receive(rtp({ ssrc: 33, seq: 3, marker: true, payload: vp8Payload({ pictureId: 1, start: false }) }), 2);
    pli.mockClear();
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      producer.retryNacks();
    }
    expect(producer.stats.mediaLostForGood).toBe(2);
    expect(pli).not.toHaveBeenCalled();
  });

  it('a VP8 packet of an upper temporal layer never resent asks for no key frame (the base layer still decodes)', () => {
    const { producer, clock, pli } = video({ keyframeIntervalMs: 0 });
    const send = (seq: number, pic: number, tid: number, start: boolean, end: boolean) =>
      producer.receive(rtp({ ssrc: 11, seq, marker: end, payload: vp8Payload({ pictureId: pic, tl0PicIdx: 3, temporalId: tid, start, keyframe: seq === 1 }) }), 0);
    new Consumer({ id: 'c', producer, ssrc: 5, payloadType: 100, targetLayer: 0, send: () => {} });
    send(1, 1, 0, true, true);
    send(2, 2, 2, true, false); // seq 3, the end of TL2 picture 2, never comes
    send(4, 3, 1, true, true);
    pli.mockClear();
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      producer.retryNacks();
    }
    expect(producer.stats).toMatchObject({ nacksGivenUp: 1, mediaLostForGood: 0, upperLayerLostForGood: 1 });
    expect(pli).not.toHaveBeenCalled();
  });

  it('keeps packets for NACKs by SSRC and sequence number', () => {
    const { producer } = video();
    const p = rtp({ ssrc: 11, seq: 7, payload: vp8Payload() });
    producer.receive(p, 0);
    expect(producer.cached(11, 7)?.equals(p)).toBe(true);
    expect(producer.cached(11, 8)).toBeUndefined();
    expect(producer.cached(99, 7)).toBeUndefined();
  });

  it('reads key frames, resolution and bitrate per layer', () => {
    const { producer, clock } = video();
    producer.receive(rtp({ ssrc: 11, seq: 1, payload: vp8Payload({ keyframe: true, width: 320, height: 180 }) }), 0);
    for (let i = 2; i <= 10; i++) {
      clock.advance(100);
      producer.receive(rtp({ ssrc: 11, seq: i, payload: vp8Payload({ body: Buffer.alloc(984) }) }), 0); // 12 + 1 + 3 + 984 bytes
    }
    const [q] = producer.layers();
    expect(q).toMatchObject({ width: 320, height: 180, packets: 10, lastPacketAt: clock.now() });
    // 9 packets of 1000 bytes and one smaller, inside the last second.
    const firstSize = rtp({ ssrc: 11, seq: 1, payload: vp8Payload({ keyframe: true }) }).length;
    expect(q?.bitrate).toBe((9 * 1000 + firstSize) * 8);
    expect(producer.stats.keyframes).toBe(1);
    clock.advance(1500);
    expect(producer.layers()[0]?.bitrate).toBe(0);
  });

  it('measures the bitrate of each VP8 temporal layer, when the stream has TIDs', () => {
    const { producer, clock } = video();
    const tids = [0, 2, 1, 2];
    const sizes: number[] = [0, 0, 0];
    for (let i = 0; i < 8; i++) {
      clock.advance(50);
      const packet = rtp({ ssrc: 11, seq: i, payload: vp8Payload({ keyframe: i === 0, pictureId: i, temporalId: tids[i % 4]!, body: Buffer.alloc(100 * (1 + tids[i % 4]!)) }) });
      sizes[tids[i % 4]!]! += packet.length;
      producer.receive(packet, 0);
    }
    producer.receive(rtp({ ssrc: 22, seq: 1, payload: vp8Payload({ keyframe: true }) }), 1); // no TIDs
    const [q, h] = producer.layers();
    expect(q?.temporalBitrates).toEqual(sizes.map((bytes) => bytes * 8));
    expect(h?.temporalBitrates).toBeUndefined();
  });

  it('rate-limits key-frame requests per layer, and defers them until the SSRC is known', () => {
    const { producer, clock, pli } = video({ keyframeIntervalMs: 500 });
    producer.requestKeyframe(1);
    expect(pli).not.toHaveBeenCalled();
    producer.receive(rtp({ ssrc: 22, seq: 1, payload: vp8Payload() }), 1);
    expect(pli).toHaveBeenCalledWith(22);
    producer.requestKeyframe(1);
    clock.advance(499);
    producer.requestKeyframe(1);
    expect(pli).toHaveBeenCalledTimes(1);
    clock.advance(1);
    producer.requestKeyframe(1);
    expect(pli).toHaveBeenCalledTimes(2);
    expect(producer.stats.keyframeRequests).toBe(2);
  });

  it('sends a request the rate limit held back with the first packet after the interval', () => {
    const { producer, clock, pli } = video({ keyframeIntervalMs: 500 });
    producer.receive(rtp({ ssrc: 22, seq: 1, payload: vp8Payload() }), 1);
    producer.requestKeyframe(1);
    clock.advance(100);
    producer.requestKeyframe(1); // a second subscriber, 100 ms later: held back, not dropped
    for (let seq = 2; seq <= 5; seq++) {
      clock.advance(90);
      producer.receive(rtp({ ssrc: 22, seq, payload: vp8Payload() }), 1);
    }
    expect(pli).toHaveBeenCalledTimes(1); // 460 ms after the first: not yet
    clock.advance(40);
    producer.receive(rtp({ ssrc: 22, seq: 6, payload: vp8Payload() }), 1);
    expect(pli).toHaveBeenCalledTimes(2);
    clock.advance(1000);
    producer.receive(rtp({ ssrc: 22, seq: 7, payload: vp8Payload() }), 1);
    expect(pli).toHaveBeenCalledTimes(2); // served: nothing pending any more
  });

  it('drops a held-back request when a key frame of the layer arrives first', () => {
    const { producer, clock, pli } = video({ keyframeIntervalMs: 500 });
    producer.receive(rtp({ ssrc: 22, seq: 1, payload: vp8Payload() }), 1);
    producer.requestKeyframe(1);
    clock.advance(50);
    producer.requestKeyframe(1);
    clock.advance(50);
    producer.receive(rtp({ ssrc: 22, seq: 2, payload: vp8Payload({ keyframe: true }) }), 1);
    clock.advance(1000);
    producer.receive(rtp({ ssrc: 22, seq: 3, payload: vp8Payload() }), 1);
    expect(pli).toHaveBeenCalledTimes(1);
    // Another layer's request is its own.
    producer.requestKeyframe(0);
    producer.receive(rtp({ ssrc: 11, seq: 1, payload: vp8Payload() }), 0);
    expect(pli).toHaveBeenLastCalledWith(11);
  });
});

describe('Producer audio level (RFC 6464)', () => {
  it('averages the last ~300 ms and reports voice activity', () => {
    const clock = fakeClock();
    const producer = new Producer({ id: 'a', kind: 'audio', codec: 'opus', clockRate: 48_000, payloadType: 111, audioLevelExtensionId: 1, requestKeyframe: () => {}, now: clock.now });
    expect(producer.audioLevel()).toBeUndefined();
    const send = (seq: number, level: number, voiceActivity: boolean): void =>
      producer.receive(rtp({ ssrc: 5, seq, pt: 111, payload: Buffer.alloc(40), extensions: new Map([[1, serializeAudioLevel({ level, voiceActivity })], [3, Buffer.from([1, 2])]]) }), 0);
    send(1, 100, false);
    clock.advance(400);
    send(2, 30, true);
    clock.advance(20);
    send(3, 40, false);
    expect(producer.audioLevel()).toEqual({ level: 35, voice: true });
    clock.advance(301);
    expect(producer.audioLevel()).toBeUndefined();
  });
});

describe('Producer lifecycle', () => {
  it('close closes every consumer, frees the cache, and refuses new consumers', () => {
    const { producer } = video();
    const closed: string[] = [];
    const a = new Consumer({ id: 'a', producer, ssrc: 1, payloadType: 96, send: () => {}, onClose: () => closed.push('a') });
    new Consumer({ id: 'b', producer, ssrc: 2, payloadType: 96, send: () => {}, onClose: () => closed.push('b') });
    for (let i = 0; i < 20; i++) producer.receive(rtp({ ssrc: 11, seq: i, payload: vp8Payload() }), 0);
    expect(producer.cacheSize).toBe(20);
    producer.close();
    producer.close();
    expect(closed).toEqual(['a', 'b']);
    expect(a.closed).toBe(true);
    expect(producer.cacheSize).toBe(0);
    expect(producer.cached(11, 3)).toBeUndefined();
    expect(() => new Consumer({ id: 'c', producer, ssrc: 3, payloadType: 96, send: () => {} })).toThrow(SfuStateError);
    producer.receive(rtp({ ssrc: 11, seq: 100, payload: vp8Payload() }), 0);
    expect(producer.stats.packets).toBe(20);
  });

  it('forwards nothing while paused and makes video consumers wait for a key frame after resume', () => {
    const { producer, clock } = video();
    const send = vi.fn();
    new Consumer({ id: 'c', producer, ssrc: 1, payloadType: 96, send, targetLayer: 0 });
    producer.receive(rtp({ ssrc: 11, seq: 1, payload: vp8Payload({ keyframe: true }) }), 0);
    producer.pause();
    expect(producer.paused).toBe(true);
    producer.receive(rtp({ ssrc: 11, seq: 2, payload: vp8Payload() }), 0);
    producer.resume();
    clock.advance(10);
    producer.receive(rtp({ ssrc: 11, seq: 3, payload: vp8Payload() }), 0);
    expect(send).toHaveBeenCalledTimes(1);
    producer.receive(rtp({ ssrc: 11, seq: 4, payload: vp8Payload({ keyframe: true }) }), 0);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('a consumer whose send throws does not stop the others', () => {
    const { producer } = video();
    const send = vi.fn();
    new Consumer({ id: 'bad', producer, ssrc: 1, payloadType: 96, targetLayer: 0, send: () => { throw new Error('socket gone'); } });
    new Consumer({ id: 'good', producer, ssrc: 2, payloadType: 96, targetLayer: 0, send });
    expect(() => producer.receive(rtp({ ssrc: 11, seq: 1, payload: vp8Payload({ keyframe: true }) }), 0)).not.toThrow();
    expect(send).toHaveBeenCalledTimes(1);
    expect(producer.stats.consumerErrors).toBe(1);
  });

  it('rejects bad options with TypeError', () => {
    expect(() => new Producer({ id: 'x', kind: 'video', codec: 'VP8', clockRate: 90_000, payloadType: 96, rids: [], requestKeyframe: () => {} })).toThrow(TypeError);
    expect(() => new Producer({ id: 'x', kind: 'audio', codec: 'opus', clockRate: 0, payloadType: 111, requestKeyframe: () => {} })).toThrow(TypeError);
  });
});
