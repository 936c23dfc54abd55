import { describe, expect, it } from 'vitest';
import { AckedBitrate } from './acked-rate.ts';
import { LossBasedControl } from './loss-control.ts';
import { AimdRateControl, nextState } from './rate-control.ts';
import { SentPacketHistory } from './sent-history.ts';

const bounds = { minBitrate: 50_000, maxBitrate: 10_000_000 };

describe('AimdRateControl (draft-ietf-rmcat-gcc-02 §5.5)', () => {
  it('follows the state table', () => {
    expect(nextState('hold', 'normal')).toBe('increase');
    expect(nextState('increase', 'normal')).toBe('increase');
    expect(nextState('decrease', 'normal')).toBe('hold');
    expect(nextState('increase', 'overusing')).toBe('decrease');
    expect(nextState('hold', 'overusing')).toBe('decrease');
    expect(nextState('increase', 'underusing')).toBe('hold');
  });

  it('starts slow-start: 25 % per second until the first decrease, then 8 % per second, at most one second per step', () => {
    const aimd = new AimdRateControl({ initialBitrate: 1_000_000, ...bounds });
    aimd.update('normal', undefined, 0);
    expect(aimd.update('normal', undefined, 500)).toBeCloseTo(1_000_000 * Math.sqrt(1.25), 3);
    expect(aimd.update('normal', undefined, 10_500)).toBeCloseTo(1_000_000 * Math.sqrt(1.25) * 1.25, 3);
    const r = aimd.update('overusing', 1_000_000, 11_000);
    expect(r).toBe(850_000);
    aimd.update('normal', undefined, 12_000); // hold → increase
    expect(aimd.update('normal', undefined, 12_500)).toBeCloseTo(850_000 * 1.08 * Math.sqrt(1.08), 3);
  });

  it('another controller lowering the rate (loss) ends the slow start too', () => {
    const aimd = new AimdRateControl({ initialBitrate: 1_000_000, ...bounds });
    aimd.update('normal', undefined, 0);
    aimd.limitTo(800_000);
    expect(aimd.update('normal', undefined, 1000)).toBeCloseTo(800_000 * 1.08, 3);
  });

  it('application-limited, an over-use backs off from the rate itself, and a low acknowledged rate is no collapse', () => {
    const aimd = new AimdRateControl({ initialBitrate: 1_000_000, ...bounds });
    expect(aimd.update('overusing', 300_000, 0, { applicationLimited: true })).toBe(850_000);
    // 100 ms later: not yet time to reduce again, and 300 kbit/s acknowledged of 850 is what we sent, not a collapse.
    expect(aimd.update('overusing', 300_000, 100, { applicationLimited: true })).toBe(850_000);
    expect(aimd.update('overusing', 300_000, 250, { applicationLimited: true })).toBe(722_500);
    // Not limited: the same acknowledged rate is the link's, down to 0.85 × it at once.
    expect(aimd.update('overusing', 300_000, 300)).toBe(255_000);
  });

  it('a decrease takes the delivered rate of a shorter window when it is higher; the headroom bound does not', () => {
    const aimd = new AimdRateControl({ initialBitrate: 1_000_000, ...bounds });
    expect(aimd.update('overusing', 300_000, 0, { deliveredBps: 400_000 })).toBe(340_000);
    expect(aimd.update('overusing', 300_000, 500, { deliveredBps: 100_000 })).toBe(255_000);
    const grown = new AimdRateControl({ initialBitrate: 5_000_000, ...bounds });
    expect(grown.update('normal', 1_000_000, 0, { deliveredBps: 3_000_000 })).toBe(2.5 * 1_000_000 + 300_000);
  });

  it('on over-use drops to 0.85 × the acknowledged rate, then holds', () => {
    const aimd = new AimdRateControl({ initialBitrate: 1_000_000, ...bounds });
    expect(aimd.update('overusing', 600_000, 0)).toBe(510_000);
    expect(aimd.state).toBe('hold');
    expect(aimd.update('overusing', 500_000, 100)).toBe(510_000); // too soon after the last cut
    expect(aimd.update('overusing', 500_000, 300)).toBe(425_000);
    expect(aimd.update('underusing', 500_000, 400)).toBe(425_000); // under-use: hold
    expect(aimd.update('normal', 500_000, 1400)).toBeCloseTo(425_000 * 1.08, 3); // normal again: increase
  });

  it('never exceeds 2.5 × acknowledged + 300 kbit/s, nor its bounds', () => {
    const aimd = new AimdRateControl({ initialBitrate: 3_000_000, ...bounds });
    expect(aimd.update('normal', 1_000_000, 0)).toBe(2_800_000);
    expect(aimd.update('overusing', 10_000, 1000)).toBe(50_000);
    const capped = new AimdRateControl({ initialBitrate: 9_900_000, ...bounds });
    capped.update('normal', undefined, 0);
    expect(capped.update('normal', undefined, 1000)).toBe(10_000_000);
  });
});

describe('LossBasedControl (§6)', () => {
  it('cuts by 1 − 0.5 p above 10 %, holds from 2 % to 10 %, releases below 2 %', () => {
    const loss = new LossBasedControl();
    loss.apply(0.2, 1_000_000);
    expect(loss.bound).toBe(900_000);
    loss.apply(0.05, 800_000);
    expect(loss.bound).toBe(800_000);
    loss.apply(0.01, 800_000);
    expect(loss.bound).toBe(Number.POSITIVE_INFINITY);
  });

  it('evaluates once an interval holds a second and 20 packets, or 500 packets', () => {
    const loss = new LossBasedControl();
    expect(loss.addPackets(5, 10, 1_000_000, 0)).toBe(false);
    expect(loss.addPackets(5, 10, 1_000_000, 999)).toBe(false);
    expect(loss.addPackets(0, 5, 1_000_000, 1000)).toBe(true);
    expect(loss.lossRate).toBe(0.4);
    expect(loss.bound).toBe(800_000);
    expect(loss.addPackets(0, 500, 800_000, 1001)).toBe(true);
    expect(loss.lossRate).toBe(0);
  });
});

describe('AckedBitrate', () => {
  it('measures delivered bits over the last second of arrivals', () => {
    const acked = new AckedBitrate();
    acked.add(0, 1000);
    acked.add(100, 1000);
    expect(acked.bitrate).toBeUndefined(); // too little history
    for (let t = 200; t <= 3000; t += 100) acked.add(t, 1000);
    // Window (2000, 3000]: ten packets of 8000 bits.
    expect(acked.bitrate).toBe(80_000);
    for (let t = 3010; t <= 4000; t += 10) acked.add(t, 500);
    expect(acked.bitrate).toBe(400_000);
  });
});

describe('SentPacketHistory', () => {
  it('forgets the oldest beyond its size and age limits, and hands each packet out once', () => {
    const history = new SentPacketHistory({ maxPackets: 3, maxAgeMs: 1000 });
    for (let i = 0; i < 5; i++) history.add(i, 100 + i, i);
    expect(history.size).toBe(3);
    expect(history.take(1)).toBeUndefined();
    expect(history.take(2)).toEqual({ size: 102, sentMs: 2 });
    expect(history.take(2)).toBeUndefined();
    history.add(5, 105, 1004);
    expect(history.take(3)).toBeUndefined(); // sent 1001 ms before the newest
    expect(history.take(4)).toEqual({ size: 104, sentMs: 4 });
  });
});
