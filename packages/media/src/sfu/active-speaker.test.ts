import { describe, expect, it } from 'vitest';
import { ActiveSpeakerDetector } from './active-speaker.ts';

/** Feeds every participant one sample every 100 ms for `ms`, calling update after each round. */
function run(d: ActiveSpeakerDetector, from: number, ms: number, levels: Record<string, number | null>): { at: number; change: ReturnType<ActiveSpeakerDetector['update']> }[] {
  const changes: { at: number; change: ReturnType<ActiveSpeakerDetector['update']> }[] = [];
  for (let t = from; t < from + ms; t += 100) {
    for (const [id, level] of Object.entries(levels)) d.addLevel(id, level ?? 127, level !== null, t);
    const change = d.update(t);
    if (change) changes.push({ at: t, change });
  }
  return changes;
}

describe('ActiveSpeakerDetector', () => {
  it('reports nothing until someone speaks; speaking at once, dominant after ~400 ms of speech', () => {
    const d = new ActiveSpeakerDetector();
    expect(run(d, 0, 1000, { alice: null, bob: null })).toEqual([]);
    // Alice at −40 dBov: loudness 87; the 1 s window holds 11 samples, so 4 voiced ones reach the minimum score 30.
    expect(run(d, 1000, 1000, { alice: 40, bob: null })).toEqual([
      { at: 1000, change: { participantId: null, speaking: ['alice'] } },
      { at: 1300, change: { participantId: 'alice', speaking: ['alice'] } },
    ]);
  });

  it('does not flap between two similar voices, and switches to a clearly louder one after the dwell time', () => {
    const d = new ActiveSpeakerDetector();
    run(d, 0, 1000, { alice: 40, bob: null });
    expect(d.dominant).toBe('alice');
    // Bob about as loud as Alice: both speak, Alice stays.
    const similar = run(d, 1000, 2000, { alice: 40, bob: 37 });
    expect(similar.map((c) => c.change?.participantId)).toEqual(['alice']);
    expect(similar[0]?.change?.speaking).toEqual(['alice', 'bob']);
    // Alice stops: Bob's score beats hers by far more than the margin within the 1 s window.
    const after = run(d, 3000, 2000, { alice: null, bob: 37 });
    const switched = after.find((c) => c.change?.participantId === 'bob');
    expect(switched).toBeDefined();
    expect(switched!.at).toBeGreaterThanOrEqual(3000);
    expect(switched!.at).toBeLessThan(4000);
    expect(d.dominant).toBe('bob');
  });

  it('keeps the last dominant speaker through silence, drops it from speaking 500 ms after its last voiced sample', () => {
    const d = new ActiveSpeakerDetector();
    run(d, 0, 1000, { alice: 30 });
    const silence = run(d, 1000, 1000, { alice: null });
    expect(silence).toEqual([{ at: 1500, change: { participantId: 'alice', speaking: [] } }]);
  });

  it('forgets a participant that leaves', () => {
    const d = new ActiveSpeakerDetector();
    run(d, 0, 1000, { alice: 30, bob: 60 });
    expect(d.dominant).toBe('alice');
    d.remove('alice');
    expect(d.update(1000)).toEqual({ participantId: 'bob', speaking: ['bob'] });
  });

  it('ignores loud noise without the voice-activity bit', () => {
    const d = new ActiveSpeakerDetector();
    for (let t = 0; t < 1000; t += 100) d.addLevel('fan', 10, false, t);
    expect(d.update(1000)).toBeUndefined();
    expect(d.dominant).toBeNull();
  });
});
