import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProcStatTicks, parseVmRssKiB, processCpuMs, processRssKiB } from './proc.ts';

describe('/proc parsing', () => {
  it('reads utime + stime after a command name holding spaces and parentheses', () => {
    const line = '4242 (janus (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 9 0 100 1000 200 18446744073709551615';
    expect(parseProcStatTicks(line)).toBe(1234 + 567);
    expect(() => parseProcStatTicks('garbage')).toThrow(/stat/);
    expect(() => parseProcStatTicks('1 (x) S 1 2')).toThrow(/short/);
  });

  it('reads VmRSS in KiB', () => {
    expect(parseVmRssKiB('Name:\tnode\nVmRSS:\t  123456 kB\nVmSwap:\t0 kB\n')).toBe(123456);
    expect(() => parseVmRssKiB('Name:\tx\n')).toThrow(/VmRSS/);
  });

  it('agrees with this process: CPU time grows with work, RSS matches /proc/self/status', () => {
    const before = processCpuMs(process.pid);
    let x = 0;
    const until = performance.now() + 120;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(processCpuMs(process.pid) - before).toBeGreaterThanOrEqual(50);
    const rss = processRssKiB(process.pid);
    expect(Math.abs(rss - parseVmRssKiB(readFileSync('/proc/self/status', 'utf8')))).toBeLessThan(10_240);
  });
});
