import { describe, expect, it } from 'vitest';
import { expectMediaFlowing, remoteStats, waitUntil, type Participant } from '../support/browser.ts';
import { useCallHarness } from '../support/harness.ts';

const transportOf = (p: Participant) => p.page.evaluate(() => window.parley?.room.signal.transportKind);

describe('signaling transports in Chromium', () => {
  const h = useCallHarness();
  it('with WebSocket blocked, the call connects over Server-Sent Events', async () => {
    await h.join('sse', 'Sam', { blockWebSocket: true });
    await h.join('sse', 'Sue', { blockWebSocket: true });
    expect(await transportOf(h.open[0]!)).toBe('sse');
    expect(await transportOf(h.open[1]!)).toBe('sse');
    await expectMediaFlowing(h.open);
  });

  it('with WebSocket and EventSource blocked, the call connects over long-polling', async () => {
    await h.join('lp', 'Lea', { blockWebSocket: true, blockEventSource: true });
    await h.join('lp', 'Lou', { blockWebSocket: true, blockEventSource: true });
    expect(await transportOf(h.open[0]!)).toBe('longpoll');
    expect(await transportOf(h.open[1]!)).toBe('longpoll');
    await expectMediaFlowing(h.open);
  });

  it('a participant on WebSocket and one forced to long-poll talk to each other', async () => {
    await h.join('mixed', 'Web');
    await h.join('mixed', 'Poll', { transport: 'longpoll' });
    expect(await transportOf(h.open[0]!)).toBe('websocket');
    expect(await transportOf(h.open[1]!)).toBe('longpoll');
    await expectMediaFlowing(h.open);
  });

  it('when the WebSocket is cut mid-call, the session resumes: nothing lost or repeated, media keeps flowing', async () => {
    const alice = await h.join('cut', 'Alice');
    const bob = await h.join('cut', 'Bob');
    await expectMediaFlowing(h.open, 500);
    // Bob's page records every notification it processes.
    await bob.page.evaluate(() => {
      const w = window as unknown as { seen: Array<{ seq: number; type: string; metadata?: string }> };
      w.seen = [];
      window.parley?.room.on('notification', (n) => w.seen.push({ seq: n.seq, type: n.type, ...(n.type === 'participantUpdated' ? { metadata: n.participant.metadata } : {}) }));
    });
    const bobSession = await bob.page.evaluate(() => window.parley?.room.signal.welcome?.sessionId ?? '');
    const framesBefore = (await remoteStats(bob.page))[0]?.framesDecoded ?? 0;

    // The network drops Bob's signaling: the server loses the socket and Bob cannot reconnect yet.
    await bob.context.setOffline(true);
    const ws = h.server.signaling.getSession(bobSession)?.transport as { ws?: { terminate(): void } } | undefined;
    expect(ws?.ws).toBeDefined();
    ws?.ws?.terminate();
    await waitUntil(async () => (await bob.page.evaluate(() => window.parley?.room.signal.state)) === 'reconnecting', 5000, 'Bob to notice the drop');
    // Bob is told, in words, while it lasts.
    await waitUntil(async () => bob.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).isVisible(), 5000, 'the reconnecting banner');

    // Meanwhile Alice changes her metadata 5 times: Bob misses these notifications live.
    for (let i = 1; i <= 5; i++) await alice.page.evaluate((v) => window.parley?.room.setMetadata(v), `m${i}`);
    await bob.context.setOffline(false);

    await waitUntil(async () => (await bob.page.evaluate(() => window.parley?.room.signal.state)) === 'connected', 15_000, 'Bob to resume');
    await waitUntil(async () => (await bob.page.getByRole('status').filter({ hasText: 'Reconnecting…' }).count()) === 0, 5000, 'the banner to go');
    // One more after the resume, delivered live.
    await alice.page.evaluate(() => window.parley?.room.setMetadata('m6'));
    const seen = await waitUntil(
      async () => {
        const s = await bob.page.evaluate(() => (window as unknown as { seen: Array<{ seq: number; type: string; metadata?: string }> }).seen);
        return s.filter((n) => n.type === 'participantUpdated').length >= 6 ? s : undefined;
      },
      10_000,
      'Bob to receive all six updates',
    );
    const updates = seen.filter((n) => n.type === 'participantUpdated').map((n) => n.metadata);
    expect(updates).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    // Sequence numbers strictly consecutive: nothing skipped, nothing twice.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBe(seen[i - 1]!.seq + 1);
    const signalStats = await bob.page.evaluate(() => ({ ...window.parley!.room.signal.stats, id: window.parley!.room.local?.id, transport: window.parley!.room.signal.transportKind }));
    expect(signalStats.resumes).toBe(1);
    expect(signalStats.rejoins).toBe(0);
    expect(signalStats.id).toBe(bob.id); // the same participant, not a rejoin
    // Alice never saw Bob leave.
    expect(await alice.page.evaluate(() => window.parley?.room.participants.size)).toBe(1);
    // Media never depended on signaling: frames kept coming.
    await expectMediaFlowing(h.open, 1000);
    expect((await remoteStats(bob.page))[0]!.framesDecoded).toBeGreaterThan(framesBefore);
  });
});
