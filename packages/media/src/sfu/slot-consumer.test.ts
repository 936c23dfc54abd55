import { describe, expect, it } from 'vitest';
import { parseRtp, type RtpPacket } from '../rtp.ts';
import { isNewerSeq, isNewerTimestamp, seqDiff, timestampDiff } from '../seq.ts';
import { fakeClock, rtp } from './packets.test-helper.ts';
import { Producer } from './producer.ts';
import { SlotConsumer } from './slot-consumer.ts';

function setup() {
  const clock = fakeClock();
  const producer = (id: string) => new Producer({ id, kind: 'audio', codec: 'opus', clockRate: 48_000, payloadType: 111, requestKeyframe: () => {}, now: clock.now });
  const sent: RtpPacket[] = [];
  const slot = new SlotConsumer({ id: 's', ssrc: 0x5107, payloadType: 109, initialSequenceNumber: 65_530, initialTimestamp: 0xffff_f000, now: clock.now, send: (p) => sent.push(parseRtp(p)) });
  /** One 20 ms Opus packet from `p` (its own SSRC, sequence and timestamp spaces), tagged with its source. */
  const feed = (p: Producer, ssrc: number, n: number): void => {
    p.receive(rtp({ ssrc, seq: (n + ssrc) & 0xffff, ts: (ssrc * 7 + n * 960) >>> 0, pt: 111, payload: Buffer.from(`${p.id}:${n}`) }), 0);
    clock.advance(20);
  };
  return { clock, producer, slot, sent, feed };
}

describe('SlotConsumer', () => {
  it('forwards its source on the slot SSRC and payload type', () => {
    const { producer, slot, sent, feed } = setup();
    const a = producer('a');
    slot.setSource(a);
    feed(a, 100, 1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ ssrc: 0x5107, payloadType: 109, sequenceNumber: 65_530, timestamp: 0xffff_f000 });
    expect(sent[0]?.payload.toString()).toBe('a:1');
  });

  it('keeps sequence numbers and timestamps continuous across switches: monotonic, no duplicates, through wraparound', () => {
    const { producer, slot, sent, feed, clock } = setup();
    const sources = [producer('a'), producer('b'), producer('c')];
    const ssrcs = [0x1111, 0x2222_2222, 0xfff0];
    for (let round = 0; round < 12; round++) {
      const i = round % 3;
      slot.setSource(sources[i] as Producer);
      for (let n = 0; n < 5; n++) {
        for (const [j, p] of sources.entries()) feed(p, ssrcs[j] as number, round * 10 + n);
      }
      if (round === 5) clock.advance(3000); // a long pause: the timestamp gap follows the wall clock
    }
    expect(sent).toHaveLength(60);
    // Only the slot's source of the moment, in order.
    expect(sent.map((p) => p.payload.toString())).toEqual(Array.from({ length: 60 }, (_, k) => `${'abc'[Math.floor(k / 5) % 3]}:${Math.floor(k / 5) * 10 + (k % 5)}`));
    expect(sent.every((p) => p.ssrc === 0x5107)).toBe(true);
    for (let k = 1; k < sent.length; k++) {
      const prev = sent[k - 1] as RtpPacket;
      const cur = sent[k] as RtpPacket;
      expect(seqDiff(cur.sequenceNumber, prev.sequenceNumber)).toBe(1);
      expect(isNewerTimestamp(cur.timestamp, prev.timestamp)).toBe(true);
      expect(timestampDiff(cur.timestamp, prev.timestamp)).toBeGreaterThanOrEqual(960);
    }
    expect(timestampDiff((sent[30] as RtpPacket).timestamp, (sent[29] as RtpPacket).timestamp)).toBeGreaterThanOrEqual(3000 * 48);
    expect(slot.stats).toMatchObject({ packetsForwarded: 60, switches: 11, dropped: 0 });
  });

  it('drops packets of the new source older than its first forwarded one (their numbers are taken)', () => {
    const { producer, slot, sent, feed } = setup();
    const a = producer('a');
    const b = producer('b');
    slot.setSource(a);
    feed(a, 1, 10);
    slot.setSource(b);
    feed(b, 2, 20);
    feed(b, 2, 18); // reordered, from before the switch
    feed(b, 2, 21);
    expect(sent.map((p) => p.payload.toString())).toEqual(['a:10', 'b:20', 'b:21']);
    expect(isNewerSeq((sent[2] as RtpPacket).sequenceNumber, (sent[1] as RtpPacket).sequenceNumber)).toBe(true);
    expect(slot.stats.dropped).toBe(1);
  });

  it('goes silent with no source or a closed one, and forwards nothing after close', () => {
    const { producer, slot, sent, feed } = setup();
    const a = producer('a');
    slot.setSource(a);
    a.close();
    expect(slot.source).toBeNull();
    slot.setSource(a); // closed: stays empty
    expect(slot.source).toBeNull();
    const b = producer('b');
    slot.setSource(b);
    slot.close();
    feed(b, 2, 1);
    expect(sent).toHaveLength(0);
    expect(slot.closed).toBe(true);
  });

  it('rejects bad SSRCs, payload types and extension ids with RangeError', () => {
    const send = (): void => {};
    expect(() => new SlotConsumer({ id: 'x', ssrc: -1, payloadType: 111, send })).toThrow(RangeError);
    expect(() => new SlotConsumer({ id: 'x', ssrc: 1, payloadType: 128, send })).toThrow(RangeError);
    expect(() => new SlotConsumer({ id: 'x', ssrc: 1, payloadType: 111, transportCcExtensionId: 0, send })).toThrow(RangeError);
  });

  it('stamps one transport-cc extension at the offset it reports', () => {
    const { producer } = setup();
    const offsets: number[] = [];
    const out: Buffer[] = [];
    const slot = new SlotConsumer({ id: 't', ssrc: 9, payloadType: 111, transportCcExtensionId: 3, send: (p, o) => (out.push(Buffer.from(p)), offsets.push(o)) });
    const a = producer('a');
    slot.setSource(a);
    a.receive(rtp({ ssrc: 5, seq: 1, pt: 111, payload: Buffer.from('x'), extensions: new Map([[1, Buffer.from([0x90])]]) }), 0);
    expect(offsets).toEqual([17]);
    expect(parseRtp(out[0] as Buffer).extensions.get(3)).toEqual(Buffer.from([0, 0]));
  });
});
