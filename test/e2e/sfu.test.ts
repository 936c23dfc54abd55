import { describe, expect, it } from 'vitest';
import { expectMediaFlowing, remoteStats, waitUntil, type Participant } from '../support/browser.ts';
import { longFrameGaps, readFrameMonitor, resetFrameMonitor, startFrameMonitor } from '../support/frames.ts';
import { useCallHarness } from '../support/harness.ts';

/** What the page's SFU connection carries, from the SDK's point of view. */
function sfuState(p: Participant) {
  return p.page.evaluate(() => {
    const room = window.parley!.room;
    return {
      topology: room.topology,
      meshPeers: [...room.participants.values()].filter((r) => r.peer && !r.peer.closed).length,
    };
  });
}

async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('SFU rooms in Chromium', () => {
  const h = useCallHarness();

  it('two participants in an SFU room decode each other through the server, with no direct connection', async () => {
    await h.server.createRoom({ id: 'sfu-two', topology: 'sfu' });
    await h.join('sfu-two', 'Alice');
    await h.join('sfu-two', 'Bob');
    const stats = await expectMediaFlowing(h.open, 2000, 30_000);
    for (const s of stats.values()) expect(s[0]?.frameWidth).toBeGreaterThan(0);
    for (const p of h.open) expect(await sfuState(p)).toEqual({ topology: 'sfu', meshPeers: 0 });
    // Two publishers × (audio + video), each consumed by the other one.
    expect(await metric(h.server.httpUrl, 'parley_sfu_producers')).toBe(4);
    expect(await metric(h.server.httpUrl, 'parley_sfu_consumers')).toBe(4);
    expect(await metric(h.server.httpUrl, 'parley_sfu_rtp_packets_total', 'direction="out"')).toBeGreaterThan(100);
  });

  it('a participant who leaves an SFU room disappears for the others within 2 s, and its producers are freed', async () => {
    await h.server.createRoom({ id: 'sfu-leave', topology: 'sfu' });
    for (const name of ['Eve', 'Fay', 'Gus']) await h.join('sfu-leave', name);
    await expectMediaFlowing(h.open, 500, 30_000);
    const leaver = h.open.pop() as Participant;
    await leaver.page.getByRole('button', { name: 'Leave' }).click();
    for (const p of h.open) {
      await waitUntil(async () => (await p.page.locator('figure.tile').count()) === 2 && (await remoteStats(p.page)).length === 1, 2000, `${p.name} to drop ${leaver.name}`, 50);
    }
    await waitUntil(async () => (await metric(h.server.httpUrl, 'parley_sfu_producers')) === 4, 2000, 'the leaver\'s producers to be freed');
    expect(await metric(h.server.httpUrl, 'parley_sfu_consumers')).toBe(4);
    await leaver.context.close();
  });
});

describe('live topology switching in Chromium', () => {
  // A short return delay so that the test also sees the room go back to mesh.
  // 15 fps cameras: four pages encoding three layers each fit on two cores, so a frame gap measures the switch, not
  // CPU starvation.
  const h = useCallHarness({ server: { rooms: { meshReturnDelayMs: 1500 } }, chromeArgs: ['--use-fake-device-for-media-stream=fps=15'] });

  async function expectNoLongGaps(open: Participant[], during: () => Promise<void>, what: string): Promise<void> {
    for (const p of open) await resetFrameMonitor(p.page);
    await during();
    for (const p of open) {
      const tiles = await readFrameMonitor(p.page);
      const others = open.filter((o) => o !== p).map((o) => o.id);
      const gaps = JSON.stringify(await longFrameGaps(p.page));
      for (const id of others) {
        const t = tiles[id];
        expect(t, `${p.name} has a tile for ${id} (${what})`).toBeDefined();
        expect(t!.frames, `${p.name}: frames of ${id} during ${what}`).toBeGreaterThan(10);
        expect(t!.maxGapMs, `${p.name}: longest frame gap of ${id} during ${what} (gaps over 250 ms: ${gaps})`).toBeLessThanOrEqual(500);
      }
    }
  }

  it('an auto room goes mesh → SFU when the 4th joins and back to mesh when it shrinks, no tile freezing over 500 ms', async () => {
    await h.server.createRoom({ id: 'auto', topology: 'auto', meshMax: 3 });
    const first = [await h.join('auto', 'Ann'), await h.join('auto', 'Ben'), await h.join('auto', 'Cat')];
    await expectMediaFlowing(first, 1000, 30_000);
    for (const p of first) {
      expect((await sfuState(p)).topology).toBe('mesh');
      await startFrameMonitor(p.page);
    }
    await new Promise((r) => setTimeout(r, 1500));

    let dan: Participant | undefined;
    await expectNoLongGaps(first, async () => {
      dan = await h.join('auto', 'Dan');
      for (const p of h.open) await waitUntil(async () => (await sfuState(p)).topology === 'sfu', 10_000, `${p.name} to switch to the SFU`);
      await expectMediaFlowing(h.open, 1000, 30_000);
      // Mesh media is gone once everybody receives everybody through the SFU (make before break, then break).
      for (const p of first) await waitUntil(async () => (await sfuState(p)).meshPeers === 0 || (await meshMediaSenders(p)) === 0, 15_000, `${p.name} to stop sending mesh media`);
    }, 'the switch to the SFU');

    const stayers = first.slice(0, 2);
    await expectNoLongGaps(stayers, async () => {
      await dan!.page.getByRole('button', { name: 'Leave' }).click();
      await first[2]!.page.getByRole('button', { name: 'Leave' }).click();
      for (const p of stayers) await waitUntil(async () => (await sfuState(p)).topology === 'mesh', 10_000, `${p.name} to return to mesh`);
      await waitUntil(async () => (await metric(h.server.httpUrl, 'parley_sfu_transports')) === 0, 15_000, 'SFU connections to close after the return to mesh');
      await expectMediaFlowing(stayers, 1000, 30_000);
    }, 'the return to mesh');
  });
});

/** How many media senders with a track the page still has on its direct (mesh) connections. */
function meshMediaSenders(p: Participant): Promise<number> {
  return p.page.evaluate(() => [...window.parley!.room.participants.values()].reduce((n, r) => n + (r.peer && !r.peer.closed ? r.peer.pc.getSenders().filter((s) => s.track).length : 0), 0));
}
