import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NotificationBody } from '@parley/protocol';
import { Session, type SessionOptions, type SessionTransport, type TransportKind } from './session.ts';

class FakeTransport implements SessionTransport {
  readonly frames: Array<{ frame: string; seq: number | undefined }> = [];
  closedWith: { code: number; reason: string } | undefined;
  constructor(readonly kind: TransportKind = 'websocket') {}
  send(frame: string, seq?: number): void {
    this.frames.push({ frame, seq });
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  get seqs(): Array<number | undefined> {
    return this.frames.map((f) => f.seq);
  }
  get messages(): Array<Record<string, unknown>> {
    return this.frames.map((f) => JSON.parse(f.frame) as Record<string, unknown>);
  }
}

function session(options: Partial<SessionOptions> = {}): Session {
  return new Session({
    roomId: 'room',
    participant: { id: 'p1', identity: 'alice', name: 'Alice', metadata: '', joinedAt: 0 },
    resumeGraceMs: 1000,
    maxBufferedNotifications: 16,
    ratePerSecond: 10,
    rateBurst: 10,
    onExpired: () => {},
    ...options,
  });
}

const offer = (n: number): NotificationBody => ({ type: 'offer', from: 'p2', sdp: `v=0 #${n}` });

afterEach(() => {
  vi.useRealTimers();
});

describe('Session numbering and acks', () => {
  it('numbers notifications from 1 and sends them to the attached transport with their seq', () => {
    const s = session();
    const t = new FakeTransport();
    s.attach(t, 0);
    s.notify(offer(1));
    s.notify(offer(2));
    expect(s.seq).toBe(2);
    expect(t.seqs).toEqual([1, 2]);
    expect(t.messages[1]).toEqual({ type: 'offer', from: 'p2', sdp: 'v=0 #2', seq: 2 });
  });

  it('keeps notifications until acknowledged, and ack trims up to and including seq', () => {
    const s = session();
    for (let i = 1; i <= 5; i++) s.notify(offer(i));
    expect(s.buffered).toBe(5);
    s.ack(3);
    expect(s.buffered).toBe(2);
    s.ack(2); // stale ack: nothing changes
    expect(s.buffered).toBe(2);
    s.ack(99);
    expect(s.buffered).toBe(0);
  });

  it('sends replies unnumbered and never replays them', () => {
    const s = session();
    const t1 = new FakeTransport();
    s.attach(t1, 0);
    s.reply({ type: 'response', id: 'x', ok: true });
    expect(t1.seqs).toEqual([undefined]);
    const t2 = new FakeTransport();
    s.attach(t2, 0);
    expect(t2.frames).toHaveLength(0);
  });

  it('drops replies when detached', () => {
    const s = session();
    expect(() => s.reply({ type: 'error' })).not.toThrow();
  });

  it('compares resume tokens exactly', () => {
    const s = session();
    expect(s.checkResumeToken(s.resumeToken)).toBe(true);
    expect(s.checkResumeToken(`${s.resumeToken}x`)).toBe(false);
    expect(s.checkResumeToken('')).toBe(false);
    expect(session().id).not.toBe(s.id);
  });
});

describe('Session replay', () => {
  it('replays every kept notification after lastSeq exactly once, in order, on attach', () => {
    const s = session();
    const t1 = new FakeTransport();
    s.attach(t1, 0);
    for (let i = 1; i <= 3; i++) s.notify(offer(i));
    s.detach(t1);
    for (let i = 4; i <= 6; i++) s.notify(offer(i));
    expect(t1.seqs).toEqual([1, 2, 3]);

    const t2 = new FakeTransport('sse');
    expect(s.attach(t2, 2)).toBe(4);
    expect(t2.seqs).toEqual([3, 4, 5, 6]);
    expect(t2.messages.map((m) => m.sdp)).toEqual(['v=0 #3', 'v=0 #4', 'v=0 #5', 'v=0 #6']);
    s.notify(offer(7));
    expect(t2.seqs).toEqual([3, 4, 5, 6, 7]);
  });

  it('does not replay what the attach acknowledged', () => {
    const s = session();
    for (let i = 1; i <= 4; i++) s.notify(offer(i));
    const t = new FakeTransport();
    expect(s.attach(t, 4)).toBe(0);
    expect(t.frames).toHaveLength(0);
    expect(s.buffered).toBe(0);
  });

  it('closes the previous transport when another attaches', () => {
    const changes: Array<[string | undefined, string | undefined]> = [];
    const s = session({ onTransportChanged: (from, to) => changes.push([from, to]) });
    const ws = new FakeTransport('websocket');
    const poll = new FakeTransport('longpoll');
    s.attach(ws, 0);
    s.attach(poll, 0);
    expect(ws.closedWith).toEqual({ code: 1000, reason: 'session resumed elsewhere' });
    expect(s.transport).toBe(poll);
    expect(changes).toEqual([['detached', 'websocket'], ['websocket', 'longpoll']]);
  });

  it('ignores a detach from a transport that is no longer attached', () => {
    const s = session();
    const old = new FakeTransport();
    const current = new FakeTransport();
    s.attach(old, 0);
    s.attach(current, 0);
    s.detach(old);
    expect(s.transport).toBe(current);
  });
});

describe('Session buffer overflow', () => {
  it('forgets the oldest unacknowledged notification and refuses a resume from before it', () => {
    const s = session({ maxBufferedNotifications: 16 });
    for (let i = 1; i <= 20; i++) s.notify(offer(i));
    expect(s.buffered).toBe(16);
    // seqs 1..4 were dropped: a client at 3 missed 4, which is gone; a client at 4 needs 5.., all kept.
    expect(s.canResumeFrom(0)).toBe(false);
    expect(s.canResumeFrom(3)).toBe(false);
    expect(s.canResumeFrom(4)).toBe(true);
    expect(s.canResumeFrom(20)).toBe(true);
    const t = new FakeTransport();
    s.attach(t, 4);
    expect(t.seqs).toEqual(Array.from({ length: 16 }, (_, i) => i + 5));
  });

  it('refuses a resume from before what the client already acknowledged (those notifications are gone)', () => {
    const s = session();
    for (let i = 1; i <= 5; i++) s.notify(offer(i));
    s.ack(3);
    expect(s.canResumeFrom(2)).toBe(false);
    expect(s.canResumeFrom(3)).toBe(true);
  });

  it('refuses a resume from the future', () => {
    const s = session();
    s.notify(offer(1));
    expect(s.canResumeFrom(1)).toBe(true);
    expect(s.canResumeFrom(2)).toBe(false);
  });
});

describe('Session grace period', () => {
  it('calls onExpired once when no transport attaches within resumeGraceMs', () => {
    vi.useFakeTimers();
    const onExpired = vi.fn();
    const s = session({ resumeGraceMs: 300, onExpired });
    const t = new FakeTransport();
    s.attach(t, 0);
    s.detach(t);
    vi.advanceTimersByTime(299);
    expect(onExpired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onExpired).toHaveBeenCalledTimes(1);
    expect(onExpired).toHaveBeenCalledWith(s);
    vi.advanceTimersByTime(10_000);
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  it('does not expire when a transport attaches within the grace period', () => {
    vi.useFakeTimers();
    const onExpired = vi.fn();
    const s = session({ resumeGraceMs: 300, onExpired });
    s.expireUnlessAttached();
    vi.advanceTimersByTime(200);
    s.attach(new FakeTransport(), 0);
    vi.advanceTimersByTime(1000);
    expect(onExpired).not.toHaveBeenCalled();
  });

  it('does not start a grace period while attached, nor restart a running one', () => {
    vi.useFakeTimers();
    const onExpired = vi.fn();
    const s = session({ resumeGraceMs: 300, onExpired });
    s.attach(new FakeTransport(), 0);
    s.expireUnlessAttached();
    vi.advanceTimersByTime(1000);
    expect(onExpired).not.toHaveBeenCalled();

    const d = session({ resumeGraceMs: 300, onExpired });
    d.expireUnlessAttached();
    vi.advanceTimersByTime(200);
    d.expireUnlessAttached();
    vi.advanceTimersByTime(100);
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  it('does not expire after close', () => {
    vi.useFakeTimers();
    const onExpired = vi.fn();
    const s = session({ resumeGraceMs: 300, onExpired });
    s.expireUnlessAttached();
    s.close();
    vi.advanceTimersByTime(1000);
    expect(onExpired).not.toHaveBeenCalled();
  });
});

describe('Session close', () => {
  it('closes its transport once, and is idempotent', () => {
    const changes: Array<[string | undefined, string | undefined]> = [];
    const s = session({ onTransportChanged: (from, to) => changes.push([from, to]) });
    const t = new FakeTransport();
    s.attach(t, 0);
    s.close(1008, 'REPLACED');
    s.close(1000, 'again');
    expect(s.closed).toBe(true);
    expect(t.closedWith).toEqual({ code: 1008, reason: 'REPLACED' });
    expect(changes).toEqual([['detached', 'websocket'], ['websocket', undefined]]);
  });

  it('ignores notifications after close and refuses to attach', () => {
    const s = session();
    s.close();
    s.notify(offer(1));
    expect(s.seq).toBe(0);
    expect(() => s.attach(new FakeTransport(), 0)).toThrow(/closed/);
  });
});
