import { describe, expect, it } from 'vitest';
import { NegotiationQueue } from './negotiation-queue.ts';

/** A run that stays in flight until the test lets it end. */
function gatedRuns() {
  const gates: Array<() => void> = [];
  let started = 0;
  const run = () => {
    started++;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  return { run, gates, started: () => started };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('NegotiationQueue', () => {
  it('runs once per request when requests do not overlap', async () => {
    let runs = 0;
    const q = new NegotiationQueue(async () => void runs++, () => undefined);
    await q.request();
    await q.request();
    expect(runs).toBe(2);
  });

  it('coalesces every request made during a run into one next run', async () => {
    const g = gatedRuns();
    const q = new NegotiationQueue(g.run, () => undefined);
    const first = q.request();
    const during = [q.request(), q.request(), q.request()];
    expect(g.started()).toBe(1);
    g.gates[0]!();
    await first;
    await tick();
    expect(g.started()).toBe(2);
    expect(q.busy).toBe(true);
    g.gates[1]!();
    await Promise.all(during);
    expect(g.started()).toBe(2);
    expect(q.busy).toBe(false);
  });

  it('a request during a run resolves only after the next run, not the current one', async () => {
    const g = gatedRuns();
    const q = new NegotiationQueue(g.run, () => undefined);
    void q.request();
    let later = false;
    void q.request().then(() => (later = true));
    g.gates[0]!();
    await tick();
    expect(later).toBe(false);
    g.gates[1]!();
    await tick();
    expect(later).toBe(true);
  });

  it('reports a failing run and keeps going with the next request', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const q = new NegotiationQueue(async () => {
      if (++n === 1) throw new Error('boom');
    }, (e) => errors.push(e));
    await q.request();
    await q.request();
    expect(n).toBe(2);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('after close nothing more runs and waiters resolve', async () => {
    const g = gatedRuns();
    const q = new NegotiationQueue(g.run, () => undefined);
    const first = q.request();
    const second = q.request();
    q.close();
    g.gates[0]!();
    await Promise.all([first, second]);
    expect(g.started()).toBe(1);
    await q.request();
    expect(g.started()).toBe(1);
  });
});
