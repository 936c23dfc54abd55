import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { remoteStats, waitUntil, type RemoteMediaStats } from '../support/browser.ts';
import { BrowserPool } from './call.ts';
import { joinRoom, launchInNamespace, type LabParticipant } from './chromium.ts';
import { Lab, TURN_ADDRESS } from './lab.ts';
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
  lab = Lab.create([...['a', 'b', 'c'].map((name) => ({ name, type: 'full-cone' as const })), { name: 'blocked', type: 'udp-blocked' as const }, { name: 'only443', type: 'tcp443-only' as const }]);
  server = await startLabServer(lab, { rooms: { topology: 'sfu' } });
  pool = new BrowserPool((ns) => launchInNamespace(lab, ns, server.certificate.spki, ['--use-fake-device-for-media-stream=fps=15']));
}, 60_000);

// Each scenario alone on the machine: the browsers of the last one would otherwise still be encoding.
afterEach(async () => {
  for (const p of open.splice(0)) await p.context.close().catch(() => undefined);
});

afterAll(async () => {
  await pool?.closeAll();
  await server?.stop();
  const escaped = lab?.guardCounts().filter((g) => g.packets !== 0) ?? [];
  lab?.destroy();
  expect(escaped, 'packets that tried to leave the lab').toEqual([]);
});

async function join(network: string, room: string, name: string, query = ''): Promise<LabParticipant> {
  const p = await joinRoom((await browserFor(network)).browser, server.url, room, name, null, query);
  open.push(p);
  return p;
}

async function statsOf(p: LabParticipant, name: string): Promise<RemoteMediaStats | undefined> {
  return (await remoteStats(p.page)).find((s) => s.name === name);
}

/**
 * The server's /metrics, read through a participant's page (the server's address is inside the lab). Not through the
 * page of a participant whose link is limited: the download would fill that link's queue in front of the media being
 * measured (seen: the SFU's estimate of a 300 kbit/s link knocked down to its floor at each read).
 */
const metricsText = (p: LabParticipant) => p.page.evaluate(() => fetch('/metrics').then((r) => r.text()));

/** The server's loss-repair counters (parley_sfu_repairs_total) by event, and its RTX counters as `rtx_<kind>`. */
async function repairs(p: LabParticipant): Promise<Record<string, number>> {
  const text = await metricsText(p);
  return Object.fromEntries([
    ...[...text.matchAll(/^parley_sfu_repairs_total\{event="(\w+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
    ...[...text.matchAll(/^parley_sfu_rtx_packets_total\{kind="(\w+)"\} (\d+)$/gm)].map((m) => [`rtx_${m[1]!}`, Number(m[2])]),
  ]);
}

/** parley_sfu_temporal_dropped_total. */
async function temporalDropped(p: LabParticipant): Promise<number> {
  return Number(/^parley_sfu_temporal_dropped_total (\d+)$/m.exec(await metricsText(p))?.[1] ?? 'NaN');
}

/**
 * Alice and Bob publish in `room`; Carol (who keeps her SFU streams: these tests are about the SFU's layer choice, not
 * the SDK's switch to the MCU) gets at most `rateKbit` from her router (htb on the LAN side: her downlink). Returns
 * once the estimates have settled (Bob receives a high layer of Alice, then 8 s).
 */
async function carolLimited(room: string, rateKbit: number): Promise<{ bob: LabParticipant; carol: LabParticipant; carolId: string; removeLimit: () => void }> {
  await join('a', room, 'Alice');
  const bob = await join('b', room, 'Bob');
  const carol = await join('c', room, 'Carol', 'lowBandwidth=off');
  const removeLimit = applyNetem(lab.network('c').router, 'lan', { rateKbit, queuePackets: 50 });
  try {
    await waitUntil(async () => ((await statsOf(bob, 'Alice'))?.frameWidth ?? 0) >= 640, 30_000, 'Bob to receive Alice at ≥ 640 px', 1000);
    await new Promise((r) => setTimeout(r, 8000));
    return { bob, carol, carolId: await idOf(carol), removeLimit };
  } catch (err) {
    removeLimit();
    throw err;
  }
}

/** What a participant's page received of the voices (inbound audio, all remote participants): for the voices' share of a small link. */
async function audioOf(p: LabParticipant): Promise<{ lost: number; received: number; concealed: number; total: number }> {
  return p.page.evaluate(async () => {
    const room = window.parley!.room;
    const out = { lost: 0, received: 0, concealed: 0, total: 0 };
    const id = [...room.participants.keys()][0]!;
    (await room.statsSource(id)!.pc.getStats()).forEach((s: { type: string; kind?: string; packetsLost?: number; packetsReceived?: number; concealedSamples?: number; totalSamplesReceived?: number }) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
      out.lost += s.packetsLost ?? 0;
      out.received += s.packetsReceived ?? 0;
      out.concealed += s.concealedSamples ?? 0;
      out.total += s.totalSamplesReceived ?? 0;
    });
    return out;
  });
}

const idOf = (p: LabParticipant) => p.page.evaluate(() => window.parley!.room.local!.id);

/** A participant's transceivers on its SFU connection, for a failure's message (was a subscription never negotiated?). */
const transceiversOf = (p: LabParticipant) =>
  p.page.evaluate(() => {
    const room = window.parley!.room;
    const id = [...room.participants.keys()][0];
    const pc = id === undefined ? undefined : room.statsSource(id)?.pc;
    return (pc?.getTransceivers() ?? []).map((t) => `${t.mid} ${t.direction}/${t.currentDirection} ${t.receiver.track.kind}`).join('; ');
  });

const pauseLogs = (participantId: string) => server.logs.filter((l) => l.participant === participantId && /^downlink (congested|recovered)/.test(String(l.msg)));
/** Whether the server logged pausing a participant's video because their downlink was congested. */
const pausedFor = (participantId: string) => pauseLogs(participantId).some((l) => String(l.msg).startsWith('downlink congested'));
/** Whether that pause is on now (the last such log is a pause). */
const pausedNow = (participantId: string) => String(pauseLogs(participantId).at(-1)?.msg ?? '').startsWith('downlink congested');

/** Gina, on the UDP-blocked network, decodes Fred over a TCP connection of her own to the SFU (RFC 6544): no relay. */
async function iceTcpOnly(): Promise<void> {
  const gina = await join('blocked', 'blocked', 'Gina');
  let seen: RemoteMediaStats | undefined;
  const atGina = await waitUntil(
    async () => {
      const s = (seen = await statsOf(gina, 'Fred'));
      return s && s.framesDecoded > 30 && s.audioBytesReceived > 0 && s.candidateProtocol === 'tcp' && s.candidatePairType !== 'relay' ? s : undefined;
    },
    45_000,
    'Gina to decode Fred through the SFU over ICE-TCP',
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(seen)}`);
  });
  expect(atGina.candidateProtocol).toBe('tcp');
  expect(atGina.candidatePairType).not.toBe('relay');
  expect(atGina.connectionState).toBe('connected');
}

describe('SFU on namespace links', () => {
  it('a subscriber whose downlink is limited to 400 kbit/s gets the low simulcast layer; the others keep a high one', async () => {
    // At most 400 kbit/s: room for two remote low layers (100 kbit/s each at most) and two Opus streams, not for a
    // 640 × 360 layer beside them. (300 kbit/s, about what those need, is the next test's: there the SFU thins
    // temporal layers.) Then Carol is watched 5 s at a time.
    const { bob, carol, carolId, removeLimit } = await carolLimited('rate', 400);
    try {
      // The SFU learns a link's size by trying: a layer up, loss, back; a burst of loss may still pause the video for
      // 5 s (its congestion pause). What must hold is that the low layer plays: a whole 5 s stretch of it (> 5 frames,
      // ≤ 320 px, not paused) within 45 s.
      const stretches: string[] = [];
      let played = false;
      for (let attempt = 0; attempt < 9 && !played; attempt++) {
        const first = await statsOf(carol, 'Alice');
        const pausesBefore = pauseLogs(carolId).length;
        const widths: number[] = [];
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          widths.push((await statsOf(carol, 'Alice'))?.frameWidth ?? 0);
        }
        const frames = ((await statsOf(carol, 'Alice'))?.framesDecoded ?? 0) - (first?.framesDecoded ?? 0);
        const low = widths.filter((w) => w > 0 && w <= 320).length;
        const calm = pauseLogs(carolId).length === pausesBefore && !pausedNow(carolId);
        stretches.push(`${frames} frames, widths ${widths.join('/')}${calm ? '' : ', paused'}`);
        // The low layer (320 × 180 of a 1280 × 720 camera) nearly all the time: the SFU may try a higher layer now
        // and then (it learns a link's size by trying), and backs off.
        played = frames > 5 && low >= 4 && calm;
        // Never more than the low layer for long on this link.
        expect(widths.filter((w) => w > 320).length, `Carol's widths of Alice, once a second: ${widths.join(', ')}`).toBeLessThanOrEqual(1);
      }
      expect(played, `5 s stretches of Carol's video of Alice: ${stretches.join('; ')}`).toBe(true);
      expect((await statsOf(bob, 'Alice'))?.frameWidth, 'Bob keeps a high layer').toBeGreaterThanOrEqual(640);
      console.log(`Carol at 400 kbit/s, 5 s stretches of Alice: ${stretches.join('; ')}`);
    } finally {
      removeLimit();
    }
  });

  it('a subscriber at 300 kbit/s, less than two low layers need, gets them at a lower frame rate (temporal layers) instead of paused', async () => {
    // 300 kbit/s is about what two low layers (100 kbit/s each at most) and two Opus streams need: before the SFU
    // thinned temporal layers, its congestion pause came back again and again here (docs/benchmarks.md, session 8).
    const { bob, carol, carolId, removeLimit } = await carolLimited('thin', 300);
    try {
      const thinnedBefore = await temporalDropped(bob);
      const repairsBefore = await repairs(bob);
      const audio0 = await audioOf(carol);
      const pausesBefore = pauseLogs(carolId).length;
      const stretches: string[] = [];
      let frozen = 0;
      for (let i = 0; i < 4; i++) {
        const before = { Alice: (await statsOf(carol, 'Alice'))?.framesDecoded ?? 0, Bob: (await statsOf(carol, 'Bob'))?.framesDecoded ?? 0 };
        await new Promise((r) => setTimeout(r, 5000));
        const got = { Alice: ((await statsOf(carol, 'Alice'))?.framesDecoded ?? 0) - before.Alice, Bob: ((await statsOf(carol, 'Bob'))?.framesDecoded ?? 0) - before.Bob };
        if (got.Alice < 5 || got.Bob < 5) frozen++;
        stretches.push(`Alice ${got.Alice}, Bob ${got.Bob}`);
      }
      const thinned = (await temporalDropped(bob)) - thinnedBefore;
      const pauses = pauseLogs(carolId).slice(pausesBefore).filter((l) => String(l.msg).startsWith('downlink congested')).length;
      const audio1 = await audioOf(carol);
      const voices = `voices: ${audio1.lost - audio0.lost} of ${audio1.lost - audio0.lost + audio1.received - audio0.received} packets lost, ${((100 * (audio1.concealed - audio0.concealed)) / Math.max(1, audio1.total - audio0.total)).toFixed(1)} % of samples concealed`;
      const repairsAfter = await repairs(bob);
      const resends = ['retransmitted', 'resend_too_soon', 'resend_over_budget'].map((e) => `${e} ${(repairsAfter[e] ?? 0) - (repairsBefore[e] ?? 0)}`).join(', ');
      const seen = `frames in 5 s stretches: ${stretches.join('; ')}; ${thinned} packets of temporal layers left out, ${pauses} congestion pauses; ${voices}; resends (all rooms): ${resends}`;
      console.log(`Carol at 300 kbit/s, ${seen}`);
      // Both tiles play: at most one 5 s stretch with under 5 frames of either (15 fps cameras; the base temporal
      // layer alone is 3.75 fps), and at most one congestion pause. Before thinning, pauses came two or more times in
      // 30 s here, most paused stretches with 0–6 frames. One run in about fifteen still has a burst of loss that pauses the video once (CI, session 8:
      // one stretch of 3 frames, a fifth of the voice packets lost): docs/benchmarks.md.
      if (frozen > 1) console.log(`Carol's SFU transceivers (mid direction/current, receiving track): ${await transceiversOf(carol)}; her SDK's log: ${carol.sdkLog.join(' | ') || 'nothing'}`);
      expect(frozen, `stretches where a tile (nearly) froze; ${seen}`).toBeLessThanOrEqual(1);
      expect(pauses, `congestion pauses in 20 s; ${seen}`).toBeLessThanOrEqual(1);
      expect(thinned, `packets of temporal layers the SFU left out; ${seen}`).toBeGreaterThan(0);
    } finally {
      removeLimit();
    }
  }, 120_000);

  it('a subscriber whose downlink cannot carry even the low layers (200 kbit/s) is switched to the MCU composite; the others keep their SFU streams', async () => {
    await join('a', 'weak', 'Alice');
    const bob = await join('b', 'weak', 'Bob');
    const carol = await join('c', 'weak', 'Carol');
    // Carol on the SFU before her link falls: video decoding, both voices arriving. (Not "both videos": twice in the
    // first ~14 runs one publisher's video never decoded at her here, its voice arriving; not seen in 24 tries since.)
    const onSfu = async () => {
      const [a, b] = [await statsOf(carol, 'Alice'), await statsOf(carol, 'Bob')];
      return Math.max(a?.framesDecoded ?? 0, b?.framesDecoded ?? 0) > 30 && (a?.audioBytesReceived ?? 0) > 0 && (b?.audioBytesReceived ?? 0) > 0;
    };
    await waitUntil(onSfu, 30_000, 'Carol to decode video and hear Alice and Bob', 500).catch(async (err: Error) => {
      const seen = await carol.page.evaluate(() => ({ lowBandwidth: window.parley!.room.lowBandwidthMode, topology: window.parley!.room.topology }));
      throw new Error(`${err.message}; Carol: ${JSON.stringify(seen)}, Alice: ${JSON.stringify(await statsOf(carol, 'Alice'))}, Bob: ${JSON.stringify(await statsOf(carol, 'Bob'))}`);
    });
    // What Carol's SDK hears and does, for a failure's message.
    await carol.page.evaluate(() => {
      const w = window as unknown as { events: string[] };
      const start = Date.now();
      const at = () => `${((Date.now() - start) / 1000).toFixed(1)} s`;
      w.events = [];
      const room = window.parley!.room;
      room.signal.on('notification', (n) => {
        if (n.type === 'sfuBandwidth') w.events.push(`${at()}: ${Math.round(n.estimateBps / 1000)} kbit/s${n.congested ? ' congested' : ''}`);
      });
      room.on('lowBandwidthModeChanged', (on) => w.events.push(`${at()}: low-bandwidth mode ${on ? 'on' : 'off'}`));
      room.on('compositeChanged', (stream) => w.events.push(`${at()}: composite ${stream ? 'shown' : 'gone'}`));
    });
    const events = () => carol.page.evaluate(() => (window as unknown as { events: string[] }).events.join('; '));
    const thinnedBefore = await temporalDropped(bob);
    const removeLimit = applyNetem(lab.network('c').router, 'lan', { rateKbit: 200, queuePackets: 50 });
    try {
      expect(await carol.page.evaluate(() => window.parley!.room.lowBandwidthMode), 'Carol on a good link kept the SFU streams').toBe(false);
      const started = Date.now();
      // 5 s of congestion, then the composite within 15 s; a switch whose composite does not come in time is tried
      // again 30 s later (seen in about one run in six: the first composite's start stalls on the full link).
      await waitUntil(() => carol.page.evaluate(() => window.parley!.room.lowBandwidthAutomatic && !!window.parley!.room.composite), 80_000, 'Carol to be switched to the composite', 500).catch(async (err: Error) => {
        throw new Error(`${err.message}; Carol's SDK: ${await events()}`);
      });
      const switchedMs = Date.now() - started;
      const tries = (await events()).split('low-bandwidth mode on').length - 1;
      // Before the switch the SFU had thinned the video that did not fit her link to its base temporal layer, or paused it.
      const thinned = (await temporalDropped(bob)) - thinnedBefore;
      expect(pausedFor(await idOf(carol)) || thinned > 0, `the SFU thinned (${thinned} packets) or paused the video that did not fit Carol's link`).toBe(true);
      await carol.page.getByRole('status').filter({ hasText: 'Your connection is weak' }).waitFor({ timeout: 5000 });
      // The composite plays on the weak link: the frames Carol's page renders of it keep rising.
      const compositeFrames = () =>
        carol.page.evaluate(() => {
          const video = [...document.querySelectorAll('video')].find((v) => v.srcObject === window.parley!.room.composite);
          return video?.getVideoPlaybackQuality().totalVideoFrames ?? 0;
        });
      // Steady state on the weak link (seen: 3–5 fps; the first seconds are slower while the server's encoder
      // finds the link's rate). Voices come in the same 200 kbit/s, mixed.
      await new Promise((r) => setTimeout(r, 5000));
      const before = await compositeFrames();
      await new Promise((r) => setTimeout(r, 10_000));
      const after = await compositeFrames();
      expect(after - before, `composite frames Carol rendered in 10 s (switched ${switchedMs} ms after the limit)`).toBeGreaterThan(15);
      expect(await carol.page.evaluate(() => window.parley!.room.lowBandwidthMode), 'Carol stays on the composite while her link stays weak').toBe(true);
      expect((await statsOf(bob, 'Alice'))?.frameWidth, 'Bob keeps a high layer of Alice').toBeGreaterThanOrEqual(640);
      // Her link grows again: the composite arrives faster, and 30 s after the switch the SDK tries the SFU again.
      removeLimit();
      const lifted = Date.now();
      await waitUntil(() => carol.page.evaluate(() => !window.parley!.room.lowBandwidthMode && !window.parley!.room.composite), 90_000, 'Carol to be back on the SFU streams', 1000).catch(async (err: Error) => {
        throw new Error(`${err.message}; Carol's SDK: ${await events()}`);
      });
      console.log(`Carol: on the composite ${switchedMs} ms after her link fell to 200 kbit/s (${tries} ${tries === 1 ? 'try' : 'tries'}), back on the SFU streams ${Date.now() - lifted} ms after it was lifted`);
      const back = (await statsOf(carol, 'Alice'))?.framesDecoded ?? 0;
      await waitUntil(async () => ((await statsOf(carol, 'Alice'))?.framesDecoded ?? 0) > back + 30, 15_000, 'Carol to decode Alice over the SFU again', 500).catch(async (err: Error) => {
        throw new Error(`${err.message}; Alice at Carol: ${JSON.stringify(await statsOf(carol, 'Alice'))}; Carol's SDK: ${await events()}; her SDK's log: ${carol.sdkLog.join(' | ')}; her transceivers: ${await transceiversOf(carol)}`);
      });
    } finally {
      removeLimit();
    }
  }, 240_000);

  it('5 % loss on a publisher\'s uplink is repaired by NACK: subscribers see at most one freeze in 30 s', async () => {
    const dave = await join('a', 'loss', 'Dave');
    const erin = await join('b', 'loss', 'Erin');
    await waitUntil(async () => ((await statsOf(erin, 'Dave'))?.framesDecoded ?? 0) > 30, 30_000, 'Erin to decode Dave');
    // A call under way: past the first seconds on the lowest layer (the switch up under loss is a unit test's).
    await waitUntil(async () => ((await statsOf(erin, 'Dave'))?.frameWidth ?? 0) >= 640, 30_000, 'Erin to receive Dave at ≥ 640 px', 500);
    const removeLoss = applyNetem(lab.network('a').router, 'wan', { lossPercent: 5 });
    try {
      const start = await statsOf(erin, 'Dave');
      const repairsBefore = await repairs(dave);
      await new Promise((r) => setTimeout(r, 30_000));
      const end = await statsOf(erin, 'Dave');
      const repairsAfter = await repairs(dave);
      const repair = (event: string) => (repairsAfter[event] ?? 0) - (repairsBefore[event] ?? 0);
      console.log(
        `Erin under 5 % loss on Dave's uplink, 30 s: ${end!.framesDecoded - start!.framesDecoded} frames of Dave, ${end!.freezeCount - start!.freezeCount} freezes, ` +
          `${end!.packetsLost - start!.packetsLost} packets missing at Erin, ${end!.frameWidth} px wide; the SFU sent Dave ${repair('nack_to_publisher')} NACKs, ` +
          `gave up on ${repair('lost_for_good')} packets (${repair('lost_media_keyframe')} of them media maybe of the base layer: a key frame asked for each; ${repair('lost_upper_layer')} of upper temporal layers; ${repair('late_after_giving_up')} came after all), resent Erin ${repair('retransmitted')}; ` +
          `Dave's RTX streams: ${repair('rtx_retransmission')} retransmissions, ${repair('rtx_duplicate')} copies of held packets, ${repair('rtx_padding')} padding, ${repair('rtx_unplaced')} unplaced`,
      );
      expect(end!.framesDecoded - start!.framesDecoded, 'frames decoded in 30 s under 5 % publisher loss').toBeGreaterThan(30 * 10);
      expect(end!.freezeCount - start!.freezeCount, 'freezes in 30 s').toBeLessThanOrEqual(1);
      expect(repair('nack_to_publisher'), 'NACKs the server counted sending Dave').toBeGreaterThan(10);
      // Chrome offers RTX and the SFU answers it: the repairs come on Dave's RTX streams and are restored.
      expect(repair('rtx_retransmission'), 'retransmissions Dave sent on RTX').toBeGreaterThan(0);
      expect(repair('rtx_unplaced'), 'RTX retransmissions the SFU could not place').toBe(0);
      // The SFU asked Dave's browser to retransmit what the lossy uplink dropped.
      const view = await dave.page.evaluate(() => {
        const room = window.parley!.room;
        return [...room.participants.values()].map((p) => `${p.name}: ${p.tracksVia('sfu').length} tracks via the SFU`).concat(room.lowBandwidthMode ? ['low bandwidth mode on'] : []);
      });
      const daveOfErin = await statsOf(dave, 'Erin');
      if (!daveOfErin || view.length !== 1 || !view[0]?.includes(' 2 tracks via the SFU')) console.log(`Dave's view: ${view.join('; ') || 'nobody'}; Dave decodes Erin: ${daveOfErin?.framesDecoded ?? 'no'}\n${dave.sdkLog.join('\n')}`);
      const nacked = await dave.page.evaluate(async () => {
        const room = window.parley!.room;
        const src = room.statsSource([...room.participants.keys()][0]!);
        if (!src) return -1;
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

  it('a participant on a UDP-blocked network that cannot reach TURN either still reaches the SFU, over ICE-TCP', async () => {
    await join('a', 'blocked', 'Fred');
    // With TURN reachable over TCP, Chrome may keep whichever TCP pair it nominated first (the relay, in some runs):
    // take TURN away so that only the SFU's own TCP port can carry her media.
    const router = lab.network('blocked').router;
    const nft = (script: string) => spawnSync('ip', ['netns', 'exec', router, 'nft', '-f', '-'], { input: script, stdio: ['pipe', 'ignore', 'inherit'] });
    nft(`table inet plab_noturn {\n  chain forward {\n    type filter hook forward priority filter; policy accept;\n    ip daddr ${TURN_ADDRESS} counter drop\n  }\n}\n`);
    try {
      await iceTcpOnly();
    } finally {
      nft('delete table inet plab_noturn\n');
    }
  });



  it('a participant whose network lets only TCP 443 out reaches the SFU through the built-in TURN server over TLS', async () => {
    await join('a', 'only443', 'Hal');
    const ivy = await join('only443', 'only443', 'Ivy');
    const atIvy = await waitUntil(
      async () => {
        const s = await statsOf(ivy, 'Hal');
        return s && s.framesDecoded > 30 && s.audioBytesReceived > 0 ? s : undefined;
      },
      45_000,
      'Ivy to decode Hal through the SFU',
      500,
    );
    // Neither the SFU's UDP nor its TCP port is reachable from her network: only the relay on 443 is.
    expect(atIvy.candidatePairType).toBe('relay');
    expect(atIvy.candidateProtocol).toBe('tls');
    expect(atIvy.connectionState).toBe('connected');
  });
});
