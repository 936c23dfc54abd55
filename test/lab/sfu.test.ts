import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteStats, waitUntil, type RemoteMediaStats } from '../support/browser.ts';
import { BrowserPool } from './call.ts';
import { joinRoom, launchInNamespace, type LabParticipant } from './chromium.ts';
import { Lab } from './lab.ts';
import { applyNetem } from './netem.ts';
import { startLabServer, type LabServer } from './parley.ts';

/**
 * The SFU on real (namespace) links: each participant behind its own router, so one person's link can be made
 * slow or lossy without touching the others'. Every room here is an SFU room.
 */
let lab: Lab;
let server: LabServer;
let pool: BrowserPool;
const open: LabParticipant[] = [];

// 15 fps cameras keep three browsers encoding three simulcast layers within two cores.
const browserFor = (network: string) => pool.get(lab.network(network).client);

beforeAll(async () => {
  lab = Lab.create([...['a', 'b', 'c'].map((name) => ({ name, type: 'full-cone' as const })), { name: 'blocked', type: 'udp-blocked' as const }]);
  server = await startLabServer(lab, { rooms: { topology: 'sfu' } });
  pool = new BrowserPool((ns) => launchInNamespace(lab, ns, server.certificate.spki, ['--use-fake-device-for-media-stream=fps=15']));
}, 60_000);

afterAll(async () => {
  for (const p of open.splice(0)) await p.context.close().catch(() => undefined);
  await pool?.closeAll();
  await server?.stop();
  const escaped = lab?.guardCounts().filter((g) => g.packets !== 0) ?? [];
  lab?.destroy();
  expect(escaped, 'packets that tried to leave the lab').toEqual([]);
});

async function join(network: string, room: string, name: string): Promise<LabParticipant> {
  const p = await joinRoom((await browserFor(network)).browser, server.url, room, name);
  open.push(p);
  return p;
}

async function statsOf(p: LabParticipant, name: string): Promise<RemoteMediaStats | undefined> {
  return (await remoteStats(p.page)).find((s) => s.name === name);
}


describe('SFU on namespace links', () => {
  it('a subscriber whose downlink is limited to 300 kbit/s gets the low simulcast layer; the others keep a high one', async () => {
    const alice = await join('a', 'rate', 'Alice');
    const bob = await join('b', 'rate', 'Bob');
    const carol = await join('c', 'rate', 'Carol');
    // Carol's router sends her at most 300 kbit/s (htb on the LAN side: her downlink).
    const removeLimit = applyNetem(lab.network('c').router, 'lan', { rateKbit: 300, queuePackets: 50 });
    try {
      const result = await waitUntil(
        async () => {
          const [atBob, atCarol] = [await statsOf(bob, 'Alice'), await statsOf(carol, 'Alice')];
          if (!atBob || !atCarol || atBob.frameWidth === 0 || atCarol.frameWidth === 0) return undefined;
          return atCarol.frameWidth <= 320 && atBob.frameWidth >= 640 ? { atBob, atCarol } : undefined;
        },
        45_000,
        'Carol to receive Alice at ≤ 320 px wide while Bob receives ≥ 640 px',
        1000,
      );
      // And it keeps playing: frames still rise for Carol on the low layer. (Two remote low layers and two Opus
      // streams fill 300 kbit/s, so the frame rate is a few per second, not the camera's 15.)
      const before = result.atCarol.framesDecoded;
      await new Promise((r) => setTimeout(r, 3000));
      const after = await statsOf(carol, 'Alice');
      expect(after?.framesDecoded ?? 0).toBeGreaterThan(before + 6);
      expect(after?.frameWidth).toBeLessThanOrEqual(320);
      void alice;
    } finally {
      removeLimit();
    }
  });

  it('5 % loss on a publisher\'s uplink is repaired by NACK: subscribers see at most one freeze in 30 s', async () => {
    const dave = await join('a', 'loss', 'Dave');
    const erin = await join('b', 'loss', 'Erin');
    await waitUntil(async () => ((await statsOf(erin, 'Dave'))?.framesDecoded ?? 0) > 30, 30_000, 'Erin to decode Dave');
    const removeLoss = applyNetem(lab.network('a').router, 'wan', { lossPercent: 5 });
    try {
      const start = await statsOf(erin, 'Dave');
      await new Promise((r) => setTimeout(r, 30_000));
      const end = await statsOf(erin, 'Dave');
      expect(end!.framesDecoded - start!.framesDecoded, 'frames decoded in 30 s under 5 % publisher loss').toBeGreaterThan(30 * 10);
      expect(end!.freezeCount - start!.freezeCount, 'freezes in 30 s').toBeLessThanOrEqual(1);
      // The SFU asked Dave's browser to retransmit what the lossy uplink dropped.
      const nacked = await dave.page.evaluate(async () => {
        const room = window.parley!.room;
        const src = room.statsSource([...room.participants.keys()][0]!);
        let n = 0;
        (await src!.pc.getStats()).forEach((s: { type: string; kind?: string; nackCount?: number }) => {
          if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.nackCount ?? 0;
        });
        return n;
      });
      expect(nacked, 'NACKs Dave received from the SFU').toBeGreaterThan(10);
    } finally {
      removeLoss();
    }
  });

  it('a participant on a UDP-blocked network reaches the SFU through a relay of the built-in TURN server', async () => {
    await join('a', 'blocked', 'Fred');
    const gina = await join('blocked', 'blocked', 'Gina');
    const atGina = await waitUntil(
      async () => {
        const s = await statsOf(gina, 'Fred');
        return s && s.framesDecoded > 30 && s.audioBytesReceived > 0 ? s : undefined;
      },
      45_000,
      'Gina to decode Fred through the SFU',
      500,
    );
    // Her one SFU connection goes through a relay candidate: UDP never left her network.
    expect(atGina.candidatePairType).toBe('relay');
    expect(atGina.connectionState).toBe('connected');
  });
});
