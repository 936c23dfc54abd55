import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { expectMediaFlowing, joinRoom, launchBrowser, remoteStats, waitUntil, type Participant, type TestBrowser } from '../support/browser.ts';
import { requireWebBuild } from '../support/web.ts';

const transportOf = (p: Participant) => p.page.evaluate(() => window.parley?.room.signal.transportKind);

describe('signaling transports in Chromium', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  const open: Participant[] = [];

  beforeAll(async () => {
    server = await startTestServer({}, { webDir: requireWebBuild() });
    chrome = await launchBrowser();
  });
  afterEach(async () => {
    for (const p of open.splice(0)) await p.context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('with WebSocket blocked, the call connects over Server-Sent Events', async () => {
    open.push(await joinRoom(chrome.browser, server.httpUrl, 'sse', 'Sam', { blockWebSocket: true }));
    open.push(await joinRoom(chrome.browser, server.httpUrl, 'sse', 'Sue', { blockWebSocket: true }));
    expect(await transportOf(open[0]!)).toBe('sse');
    expect(await transportOf(open[1]!)).toBe('sse');
    await expectMediaFlowing(open);
  });

  it('with WebSocket and EventSource blocked, the call connects over long-polling', async () => {
    open.push(await joinRoom(chrome.browser, server.httpUrl, 'lp', 'Lea', { blockWebSocket: true, blockEventSource: true }));
    open.push(await joinRoom(chrome.browser, server.httpUrl, 'lp', 'Lou', { blockWebSocket: true, blockEventSource: true }));
    expect(await transportOf(open[0]!)).toBe('longpoll');
    expect(await transportOf(open[1]!)).toBe('longpoll');
    await expectMediaFlowing(open);
  });

  it('a participant on WebSocket and one forced to long-poll talk to each other', async () => {
    open.push(await joinRoom(chrome.browser, server.httpUrl, 'mixed', 'Web'));
    open.push(await joinRoom(chrome.browser, server.httpUrl, 'mixed', 'Poll', { transport: 'longpoll' }));
    expect(await transportOf(open[0]!)).toBe('websocket');
    expect(await transportOf(open[1]!)).toBe('longpoll');
    await expectMediaFlowing(open);
  });

  it('when the WebSocket is cut mid-call, the session resumes: nothing lost or repeated, media keeps flowing', async () => {
    const alice = await joinRoom(chrome.browser, server.httpUrl, 'cut', 'Alice');
    const bob = await joinRoom(chrome.browser, server.httpUrl, 'cut', 'Bob');
    open.push(alice, bob);
    await expectMediaFlowing(open, 500);
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
    const ws = server.signaling.getSession(bobSession)?.transport as { ws?: { terminate(): void } } | undefined;
    expect(ws?.ws).toBeDefined();
    ws?.ws?.terminate();
    await waitUntil(async () => (await bob.page.evaluate(() => window.parley?.room.signal.state)) === 'reconnecting', 5000, 'Bob to notice the drop');

    // Meanwhile Alice changes her metadata 5 times: Bob misses these notifications live.
    for (let i = 1; i <= 5; i++) await alice.page.evaluate((v) => window.parley?.room.setMetadata(v), `m${i}`);
    await bob.context.setOffline(false);

    await waitUntil(async () => (await bob.page.evaluate(() => window.parley?.room.signal.state)) === 'connected', 15_000, 'Bob to resume');
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
    await expectMediaFlowing(open, 1000);
    expect((await remoteStats(bob.page))[0]!.framesDecoded).toBeGreaterThan(framesBefore);
  });
});
