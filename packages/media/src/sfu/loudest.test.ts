import { describe, expect, it } from 'vitest';
import { LoudestSpeakers, assignSlots, loudestFor } from './loudest.ts';

/** Feeds every id its level (−dBov, voiced) every 250 ms for `ms`, then re-ranks; returns the ranking. */
function run(speakers: LoudestSpeakers, levels: Record<string, number>, from: number, ms: number): string[] {
  for (let t = from; t <= from + ms; t += 250) {
    for (const [id, level] of Object.entries(levels)) speakers.addLevel(id, level, level < 127, t);
    speakers.update();
  }
  return speakers.ranking;
}

describe('LoudestSpeakers', () => {
  it('ranks by loudness, loudest first', () => {
    const s = new LoudestSpeakers();
    expect(run(s, { a: 60, b: 20, c: 40, d: 127 }, 0, 2000)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('newcomers start last and climb once they are louder', () => {
    const s = new LoudestSpeakers();
    run(s, { a: 50, b: 60 }, 0, 1000);
    s.add('c', 1000);
    expect(s.ranking).toEqual(['a', 'b', 'c']);
    expect(run(s, { a: 50, b: 60, c: 10 }, 1250, 1000)).toEqual(['c', 'a', 'b']);
  });

  it('does not flap between two voices of about the same level (hysteresis)', () => {
    const s = new LoudestSpeakers();
    run(s, { a: 30, b: 33 }, 0, 2000);
    expect(s.ranking).toEqual(['a', 'b']);
    let changes = 0;
    for (let t = 2250; t < 12_000; t += 250) {
      const aLouder = Math.floor(t / 500) % 2 === 0;
      s.addLevel('a', aLouder ? 31 : 35, true, t);
      s.addLevel('b', aLouder ? 35 : 31, true, t);
      if (s.update()) changes++;
    }
    expect(changes).toBe(0);
  });

  it('a speaker who falls silent is overtaken within a second', () => {
    const s = new LoudestSpeakers();
    run(s, { a: 20, b: 50 }, 0, 2000);
    expect(s.ranking[0]).toBe('a');
    expect(run(s, { a: 127, b: 50 }, 2250, 750)[0]).toBe('b');
  });

  it('unvoiced samples count as silence whatever their level', () => {
    const s = new LoudestSpeakers();
    for (let t = 0; t <= 1000; t += 250) {
      s.addLevel('noise', 10, false, t);
      s.addLevel('voice', 70, true, t);
    }
    s.update();
    expect(s.ranking).toEqual(['voice', 'noise']);
  });

  it('forgets removed participants', () => {
    const s = new LoudestSpeakers();
    run(s, { a: 20, b: 50 }, 0, 500);
    s.remove('a');
    s.remove('zz');
    expect(s.ranking).toEqual(['b']);
    expect(s.has('a')).toBe(false);
    expect(s.score('a')).toBeUndefined();
  });
});

describe('loudestFor', () => {
  it('takes the loudest N but never the listener, who hears the next loudest instead', () => {
    const ranking = ['a', 'b', 'c', 'd', 'e'];
    expect(loudestFor(ranking, 'x', 3)).toEqual(['a', 'b', 'c']);
    expect(loudestFor(ranking, 'b', 3)).toEqual(['a', 'c', 'd']);
    expect(loudestFor(['a', 'b'], 'a', 3)).toEqual(['b']);
    expect(loudestFor([], 'a', 3)).toEqual([]);
  });
});

describe('assignSlots', () => {
  it('keeps whoever stays in their slot and puts newcomers in the freed ones', () => {
    expect(assignSlots([null, null, null], ['a', 'b'])).toEqual(['a', 'b', null]);
    expect(assignSlots(['a', 'b', 'c'], ['c', 'd', 'a'])).toEqual(['a', 'd', 'c']);
    expect(assignSlots(['a', 'b', 'c'], ['b'])).toEqual([null, 'b', null]);
    expect(assignSlots(['a', null, 'c'], ['x', 'y', 'c'])).toEqual(['x', 'y', 'c']);
  });

  it('never places more than the slots or anyone twice', () => {
    const next = assignSlots([null, null], ['a', 'b', 'c']);
    expect(next).toEqual(['a', 'b']);
    expect(assignSlots(['a', 'b'], ['a', 'c', 'b'])).toEqual(['a', 'b']);
  });
});
