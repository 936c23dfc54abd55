import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { TickClock } from './clock.ts';

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* hold the event loop */
  }
}

describe('TickClock', () => {
  it('keeps to start + n·period: neither timer slack nor handler time accumulates', async () => {
    const clock = new TickClock({ periodMs: 10 });
    const start = performance.now();
    const ticks: number[] = [];
    await new Promise<void>((resolve) => {
      clock.start((tick) => {
        ticks.push(tick);
        busyWait(3); // a mixing pass; a plain setTimeout(10) loop would run every ≥ 13 ms (≥ 520 ms here)
        if (tick === 40) resolve();
      });
    });
    clock.stop();
    const elapsed = performance.now() - start;
    expect(ticks).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(elapsed).toBeGreaterThanOrEqual(399);
    expect(elapsed).toBeLessThan(470);
  });

  it('reports late ticks after a stall and catches up a bounded number of them', async () => {
    const clock = new TickClock({ periodMs: 10, maxCatchUpTicks: 3 });
    const late: number[] = [];
    await new Promise<void>((resolve) => {
      clock.start((tick, lateMs) => {
        late.push(lateMs);
        if (tick === 2) busyWait(80); // ticks 3..10 are missed
        if (tick === 14) resolve();
      });
    });
    clock.stop();
    const stats = clock.stats;
    // Resumed at ≈ 100 ms: ticks 3–7 are skipped, 8–10 run back to back (20, 10, 0 ms late).
    expect(stats.lateTicks).toBeGreaterThanOrEqual(2);
    expect(stats.maxLateMs).toBeGreaterThan(15);
    expect(stats.skippedTicks).toBeGreaterThanOrEqual(4);
    expect(stats.ticks + stats.skippedTicks).toBe(14);
  });

  it('stops, and refuses a second start', () => {
    const clock = new TickClock();
    clock.start(() => undefined);
    expect(() => clock.start(() => undefined)).toThrow(Error);
    clock.stop();
    expect(clock.running).toBe(false);
  });

  it('with afterIo, runs a tick after the I/O callbacks that became pending while the loop was busy', async () => {
    for (const afterIo of [false, true]) {
      const clock = new TickClock({ periodMs: 10, afterIo });
      const { port1, port2 } = new MessageChannel();
      const order: string[] = [];
      port2.on('message', () => order.push('io'));
      await new Promise<void>((resolve) => {
        clock.start((tick) => {
          order.push(`tick ${tick}`);
          if (tick === 2) {
            // Other work holds the loop (here a check-phase callback) while decoded audio arrives (delivered
            // in the poll phase) and tick 3's deadline passes: the next loop turn starts with the timers.
            setImmediate(() => {
              port1.postMessage('decoded audio');
              busyWait(25);
            });
          }
          if (tick === 5) resolve();
        });
      });
      clock.stop();
      port1.close();
      expect(order.indexOf('io') < order.indexOf('tick 3'), `afterIo ${afterIo}: ${order.join(', ')}`).toBe(afterIo);
    }
  });
});
