import { describe, expect, it } from 'vitest';
import { UpgradeGuard } from './upgrade-guard.ts';

describe('UpgradeGuard', () => {
  it('allows upgrades until one fails, then waits 8 s, 16 s, … up to 64 s', () => {
    const g = new UpgradeGuard();
    expect(g.canUpgrade(0)).toBe(true);
    g.upgraded(0);
    g.downgraded(2000); // within 5 s: the upgrade failed
    expect(g.canUpgrade(9_999)).toBe(false);
    expect(g.canUpgrade(10_000)).toBe(true);
    g.upgraded(10_000);
    g.downgraded(11_000);
    expect(g.canUpgrade(26_999)).toBe(false);
    expect(g.canUpgrade(27_000)).toBe(true);
    for (let t = 27_000, i = 0; i < 5; i++) {
      g.upgraded(t);
      g.downgraded(t + 1000);
      t += 1000 + 64_000;
    }
    g.upgraded(400_000);
    g.downgraded(401_000);
    expect(g.canUpgrade(401_000 + 63_999)).toBe(false);
    expect(g.canUpgrade(401_000 + 64_000)).toBe(true);
  });

  it('does not penalise a downgrade long after the upgrade, and forgets failures once an upgrade holds', () => {
    const g = new UpgradeGuard();
    g.upgraded(0);
    g.downgraded(6000);
    expect(g.canUpgrade(6000)).toBe(true);
    g.upgraded(7000);
    g.downgraded(8000);
    expect(g.canUpgrade(15_999)).toBe(false);
    g.upgraded(16_000);
    // Held for 30 s: the next failure waits the initial 8 s again.
    expect(g.canUpgrade(46_000)).toBe(true);
    g.upgraded(46_000);
    g.downgraded(47_000);
    expect(g.canUpgrade(55_000)).toBe(true);
  });
});
