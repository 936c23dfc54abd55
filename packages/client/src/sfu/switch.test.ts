import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { READY_MESSAGES, TopologySwitch, type TopologySwitchHost } from './switch.ts';

/** A room of remote participants whose readiness and channels the test controls. */
function fakeHost(ids: string[]) {
  const state = {
    ids: [...ids],
    ready: new Set<string>(),
    open: new Set<string>(ids),
    sent: [] as Array<[string, string]>,
    released: [] as string[],
    completed: [] as Array<[string, string[]]>,
  };
  const host: TopologySwitchHost = {
    participants: () => state.ids,
    receivesOverNewPath: (id) => state.ready.has(id),
    sendControl: (id, message) => {
      if (!state.open.has(id)) return false;
      state.sent.push([id, message]);
      return true;
    },
    releaseMesh: (id) => state.released.push(id),
    completed: (to, late) => state.completed.push([to, late]),
  };
  return { host, state };
}

describe('TopologySwitch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('to SFU: says ready to each participant once their SFU media is live, and releases mesh media per "ready" heard', () => {
    const { host, state } = fakeHost(['bob', 'cat']);
    const s = new TopologySwitch(host);
    s.start('sfu');
    expect(state.sent).toEqual([]);
    state.ready.add('bob');
    vi.advanceTimersByTime(100);
    expect(state.sent).toEqual([['bob', READY_MESSAGES.sfu]]);
    vi.advanceTimersByTime(500);
    expect(state.sent).toHaveLength(1);
    expect(s.handleControl('cat', READY_MESSAGES.sfu)).toBe(true);
    expect(state.released).toEqual(['cat']);
    expect(s.handleControl('cat', READY_MESSAGES.sfu)).toBe(true);
    expect(state.released).toEqual(['cat']);
    s.handleControl('bob', READY_MESSAGES.sfu);
    state.ready.add('cat');
    vi.advanceTimersByTime(100);
    expect(state.completed).toEqual([['sfu', []]]);
    expect(s.to).toBeUndefined();
  });

  it('to SFU: after the deadline, releases those who never confirmed and completes', () => {
    const { host, state } = fakeHost(['bob', 'cat']);
    const s = new TopologySwitch(host, { deadlineMs: 8000 });
    s.start('sfu');
    s.handleControl('bob', READY_MESSAGES.sfu);
    vi.advanceTimersByTime(7999);
    expect(state.completed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(state.released).toEqual(['bob', 'cat']);
    expect(state.completed).toEqual([['sfu', ['cat']]]);
  });

  it('to mesh: completes only when each participant is told and has told us', () => {
    const { host, state } = fakeHost(['bob']);
    const s = new TopologySwitch(host);
    s.start('mesh');
    s.handleControl('bob', READY_MESSAGES.mesh);
    vi.advanceTimersByTime(1000);
    expect(state.completed).toEqual([]);
    expect(state.released).toEqual([]);
    state.ready.add('bob');
    vi.advanceTimersByTime(100);
    expect(state.sent).toEqual([['bob', READY_MESSAGES.mesh]]);
    expect(state.completed).toEqual([['mesh', []]]);
  });

  it('retries "ready" until the control channel is open', () => {
    const { host, state } = fakeHost(['bob']);
    state.open.clear();
    state.ready.add('bob');
    const s = new TopologySwitch(host);
    s.start('mesh');
    vi.advanceTimersByTime(300);
    expect(state.sent).toEqual([]);
    state.open.add('bob');
    vi.advanceTimersByTime(100);
    expect(state.sent).toEqual([['bob', READY_MESSAGES.mesh]]);
  });

  it('completes at once with nobody to wait for', () => {
    const { host, state } = fakeHost([]);
    new TopologySwitch(host).start('mesh');
    expect(state.completed).toEqual([['mesh', []]]);
  });

  it('keeps a "ready" that arrives before our own switch starts', () => {
    const { host, state } = fakeHost(['bob']);
    const s = new TopologySwitch(host);
    expect(s.handleControl('bob', READY_MESSAGES.sfu)).toBe(true);
    s.start('sfu');
    expect(state.released).toEqual(['bob']);
  });

  it('a participant who leaves is no longer waited for', () => {
    const { host, state } = fakeHost(['bob', 'cat']);
    const s = new TopologySwitch(host);
    state.ready.add('bob');
    s.start('mesh');
    s.handleControl('bob', READY_MESSAGES.mesh);
    state.ids = ['bob'];
    s.participantLeft('cat');
    expect(state.completed).toEqual([['mesh', []]]);
  });

  it('a new switch cancels the one under way; other messages are not its business', () => {
    const { host, state } = fakeHost(['bob']);
    const s = new TopologySwitch(host);
    s.start('sfu');
    s.start('mesh');
    expect(s.handleControl('bob', READY_MESSAGES.sfu)).toBe(true);
    expect(state.released).toEqual([]);
    expect(s.handleControl('bob', '{"t":"chat","id":"x"}')).toBe(false);
    s.cancel();
    vi.advanceTimersByTime(20_000);
    expect(state.completed).toEqual([]);
  });
});
