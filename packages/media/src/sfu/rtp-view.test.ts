import { describe, expect, it } from 'vitest';
import { parseRtp } from '../rtp.ts';
import { rtp } from './packets.test-helper.ts';
import { RateMeter } from './rate-meter.ts';
import { findExtensionData, newRtpView, readRtpView } from './rtp-view.ts';

describe('readRtpView', () => {
  it('agrees with parseRtp on header fields and payload bounds', () => {
    const cases = [
      rtp({ ssrc: 0xdeadbeef, seq: 65535, ts: 0xffffffff, marker: true, pt: 127, payload: Buffer.from([1, 2, 3]) }),
      rtp({ ssrc: 1, seq: 2, csrcs: [3, 4], paddingLength: 7, payload: Buffer.alloc(10, 9), extensions: new Map([[1, Buffer.from([0x85])], [14, Buffer.alloc(16)]]) }),
      rtp({ ssrc: 1, seq: 2, payload: Buffer.alloc(5), extensions: new Map([[200, Buffer.from([7, 7])], [2, Buffer.alloc(0)]]) }), // two-byte form
    ];
    for (const packet of cases) {
      const view = newRtpView();
      expect(readRtpView(packet, view)).toBe(true);
      const p = parseRtp(packet);
      expect(view).toMatchObject({ ssrc: p.ssrc, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, payloadType: p.payloadType, marker: p.marker, csrcCount: p.csrcs.length });
      expect(packet.subarray(view.payloadOffset, view.payloadEnd)).toEqual(p.payload);
    }
    const view = newRtpView();
    readRtpView(cases[1]!, view);
    expect(cases[1]![findExtensionData(cases[1]!, view, 1, 1)]).toBe(0x85);
    expect(findExtensionData(cases[1]!, view, 14, 1)).toBe(-1); // present, but 16 bytes long
    expect(findExtensionData(cases[1]!, view, 5, 1)).toBe(-1);
    readRtpView(cases[2]!, view);
    const at = findExtensionData(cases[2]!, view, 200, 2);
    expect(cases[2]!.subarray(at, at + 2)).toEqual(Buffer.from([7, 7]));
  });

  it('refuses what parseRtp refuses, without throwing', () => {
    const good = rtp({ ssrc: 1, seq: 1, payload: Buffer.alloc(4), extensions: new Map([[1, Buffer.from([1])]]) });
    const bad = [good.subarray(0, 11), good.subarray(0, 18), Buffer.concat([Buffer.from([0x00]), good.subarray(1)])];
    const zeroPadding = Buffer.from(good);
    zeroPadding[0]! |= 0x20;
    zeroPadding[zeroPadding.length - 1] = 0;
    bad.push(zeroPadding);
    for (const packet of bad) {
      expect(readRtpView(packet, newRtpView())).toBe(false);
      expect(() => parseRtp(packet)).toThrow();
    }
  });
});

describe('RateMeter', () => {
  it('measures bits per second over the last second', () => {
    const m = new RateMeter();
    expect(m.bitrate(0)).toBe(0);
    for (let t = 0; t < 1000; t += 10) m.add(125, t); // 12 500 bytes in 1 s
    expect(m.bitrate(999)).toBe(100_000);
    expect(m.bitrate(1450)).toBe(50_000); // the first 5 buckets have left the window
    expect(m.bitrate(5000)).toBe(0);
  });
});
