import { describe, expect, it } from 'vitest';
import { Router, SfuTransport, parseRtp, seqDiff, serializeRtp, timestampDiff } from '@parley/media';
import { useLoopbackEndpoint } from './endpoint-fixture.ts';
import { memoryAfterGc } from './memory.ts';
import { MID_EXTENSION_ID, OPUS_PT, WebRtcClient, until } from './webrtc-client.ts';

/**
 * An audio-only room (issue #6 item 3) on the real SFU, with Node clients (ICE, DTLS, SRTP): 6 publishers send Opus
 * packets with RFC 6464 levels, 30 more participants only listen, and everyone has 3 slots. Payloads name their
 * publisher, so each listener can say whose voice every slot carries.
 */

const SLOTS = 3;
const PUBLISHERS = 6;
/** PARLEY_AUDIO_LISTENERS raises it for a one-off scale figure (every client shares this process with the server). */
const LISTENERS = Number(process.env.PARLEY_AUDIO_LISTENERS ?? 30);
/** The fixture's ssrc-audio-level extension id (RFC 6464). */
const LEVEL_EXTENSION_ID = 1;
const MB = 1024 * 1024;

/** The fixture offer cut to its sending audio section (mid 0, unless `publish` is off) and `slots` receiving audio sections. */
function audioRoomOffer(fixture: string, publish: boolean, slots: number): { sdp: string; slotMids: string[] } {
  const [header, ...sections] = fixture.split(/\r\n(?=m=)/);
  const send = sections.find((s) => /^a=mid:0$/m.test(s)) as string;
  const receive = sections.find((s) => /^a=mid:2$/m.test(s)) as string;
  const slotMids = Array.from({ length: slots }, (_, i) => `s${i}`);
  const mids = [...(publish ? ['0'] : []), ...slotMids];
  const body = [...(publish ? [send] : []), ...slotMids.map((mid) => receive.replace(/^a=mid:2$/m, `a=mid:${mid}`))];
  const sdp = `${(header as string).replace(/^a=group:BUNDLE .*$/m, `a=group:BUNDLE ${mids.join(' ')}`)}\r\n${body.join('\r\n')}`;
  return { sdp: sdp.endsWith('\r\n') ? sdp : `${sdp}\r\n`, slotMids };
}

interface Member {
  id: string;
  client: WebRtcClient;
  transport: SfuTransport;
  /** Per received SSRC (a slot), the publishers heard, in order, with output sequence and timestamp. */
  heard: Map<number, Array<{ from: string; seq: number; ts: number }>>;
}

describe('an audio-only room on the SFU', () => {
  const media = useLoopbackEndpoint();

  async function join(router: Router, id: string, publish: boolean): Promise<Member> {
    const client = await WebRtcClient.create(media.endpoint.address, media.certificate);
    const transport = new SfuTransport({ id: `t-${id}`, ownerId: id, endpoint: media.endpoint, router });
    const { sdp, slotMids } = audioRoomOffer(client.offer(), publish, SLOTS);
    const answer = transport.negotiate(sdp, new Map(publish ? [['0', { source: 'microphone' }]] : []), new Map(), slotMids);
    expect(transport.slotConsumers()).toHaveLength(SLOTS);
    await client.connect(answer.sdp);
    await until(() => transport.peer?.dtlsState === 'connected', `DTLS of ${id}`);
    const member: Member = { id, client, transport, heard: new Map() };
    client.onRtp = (clear) => {
      const p = parseRtp(clear);
      const list = member.heard.get(p.ssrc) ?? [];
      member.heard.set(p.ssrc, list);
      list.push({ from: p.payload.toString('latin1', 0, 4).split(':')[0] as string, seq: p.sequenceNumber, ts: p.timestamp });
    };
    return member;
  }

  /** Whose voices each member heard since `marks` (one count per slot), as sorted publisher ids. */
  function heardSince(member: Member, marks: Map<number, number>): string[][] {
    return [...member.heard].map(([ssrc, list]) => [...new Set(list.slice(marks.get(ssrc) ?? 0).map((h) => h.from))].sort());
  }
  const mark = (member: Member): Map<number, number> => new Map([...member.heard].map(([ssrc, list]) => [ssrc, list.length]));

  it(`each of ${PUBLISHERS + LISTENERS} participants hears exactly the 3 loudest voices but their own; slots follow the levels without renegotiation`, async () => {
    const told = new Map<string, Array<string | null>>();
    const router = new Router({ audioSlots: SLOTS, onAudioSlots: (id, slots) => told.set(id, slots) });
    const publishers: Member[] = [];
    for (let k = 0; k < PUBLISHERS; k++) publishers.push(await join(router, `p${k}`, true));
    const listeners: Member[] = [];
    for (let k = 0; k < LISTENERS; k++) listeners.push(await join(router, `l${k}`, false));
    const everyone = [...publishers, ...listeners];
    const sdpsBefore = everyone.map((m) => m.transport.slotConsumers().map((s) => s.ssrc).join());

    // −dBov per publisher (0 loudest): p0 > p1 > … > p5, all voiced.
    const levels = [10, 20, 30, 40, 50, 60];
    let seq = 0;
    const send = setInterval(() => {
      seq++;
      for (const [k, p] of publishers.entries()) {
        const level = levels[k] as number;
        const voiced = level < 127 ? 0x80 : 0;
        p.client.sendRtp(serializeRtp({
          marker: false, payloadType: OPUS_PT, sequenceNumber: seq & 0xffff, timestamp: (seq * 960) >>> 0, ssrc: 0x100 + k, csrcs: [], paddingLength: 0,
          extensions: new Map([[MID_EXTENSION_ID, Buffer.from('0')], [LEVEL_EXTENSION_ID, Buffer.from([voiced | level])]]),
          payload: Buffer.concat([Buffer.from(`p${k}::`), Buffer.alloc(70, k)]),
        }));
      }
    }, 20);
    const ticks = setInterval(() => {
      const now = performance.now();
      for (const m of everyone) m.transport.tick(now);
    }, 50);
    const routerTicks = setInterval(() => router.tick(), 250);
    try {
      const expected = (id: string, ranking: string[]): string[] => ranking.filter((x) => x !== id).slice(0, SLOTS).sort();
      const check = (ranking: string[]): void => {
        for (const m of everyone) {
          expect(told.get(m.id)?.slice().sort(), `${m.id} is told`).toEqual(expected(m.id, ranking));
        }
      };
      await new Promise((r) => setTimeout(r, 2000));
      const marks = new Map(everyone.map((m) => [m.id, mark(m)]));
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      const memoryStart = memoryAfterGc();
      await new Promise((r) => setTimeout(r, 2000));
      const cpu = process.cpuUsage(cpuStart);
      const wall = performance.now() - wallStart;
      const ranking = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
      check(ranking);
      for (const m of everyone) {
        const slots = heardSince(m, marks.get(m.id) as Map<number, number>);
        // One publisher per slot, and together the loudest three but themselves.
        expect(slots.every((s) => s.length === 1), `${m.id}: one voice per slot`).toBe(true);
        expect(slots.flat().sort(), `${m.id} hears`).toEqual(expected(m.id, ranking));
      }
      const packets = listeners.reduce((n, m) => n + m.client.received.packets, 0);
      const cpuShare = (cpu.user + cpu.system) / 1000 / wall;
      console.info(`audio room: ${everyone.length} participants, ${SLOTS} slots each; ${(packets / LISTENERS).toFixed(0)} packets per listener so far; CPU ${(cpuShare * 100).toFixed(1)} % of a core (server and ${everyone.length} clients in one process); heap+buffers ${(memoryStart / MB).toFixed(1)} MB`);

      // p5 becomes the loudest and p0 falls silent: one slot of each listener moves from p0 to p5, the others stay.
      const slotOfP0 = new Map(everyone.map((m) => [m.id, told.get(m.id)?.indexOf('p0') ?? -1]));
      levels[5] = 5;
      levels[0] = 127;
      await new Promise((r) => setTimeout(r, 1500));
      const marks2 = new Map(everyone.map((m) => [m.id, mark(m)]));
      await new Promise((r) => setTimeout(r, 1000));
      const ranking2 = ['p5', 'p1', 'p2', 'p3', 'p4', 'p0'];
      check(ranking2);
      for (const m of everyone) {
        const slots = heardSince(m, marks2.get(m.id) as Map<number, number>);
        expect(slots.flat().sort(), `${m.id} hears after the change`).toEqual(expected(m.id, ranking2));
        const at = slotOfP0.get(m.id) as number;
        if (at >= 0 && m.id !== 'p5') expect(told.get(m.id)?.[at], `${m.id}: p5 takes p0's slot`).toBe('p5');
      }
      const memoryEnd = memoryAfterGc();
      console.info(`audio room: after the switch heap+buffers ${((memoryEnd - memoryStart) / MB).toFixed(2)} MB more; ${router.loudest().join(' > ')}`);
      // Bounds for the default 36 (server and clients share this process), scaled for PARLEY_AUDIO_LISTENERS.
      const scale = Math.max(1, everyone.length / 36);
      expect(memoryEnd - memoryStart).toBeLessThan(8 * MB * scale);
      expect(cpuShare).toBeLessThan(0.9 * scale);

      // Every slot stream stayed one continuous RTP stream across the switch: +1 sequence numbers, rising
      // timestamps, never a duplicate; and nobody's slots were renegotiated.
      let switches = 0;
      for (const m of everyone) {
        expect(m.client.received.notIncreasing, `${m.id}: sequence numbers always increase`).toBe(0);
        for (const list of m.heard.values()) {
          for (let i = 1; i < list.length; i++) {
            const a = list[i - 1] as { from: string; seq: number; ts: number };
            const b = list[i] as { from: string; seq: number; ts: number };
            expect(seqDiff(b.seq, a.seq)).toBeGreaterThan(0);
            expect(timestampDiff(b.ts, a.ts)).toBeGreaterThan(0);
            if (a.from !== b.from) switches++;
          }
        }
      }
      expect(switches).toBeGreaterThanOrEqual(everyone.length - 1);
      expect(everyone.map((m) => m.transport.slotConsumers().map((s) => s.ssrc).join())).toEqual(sdpsBefore);
    } finally {
      clearInterval(send);
      clearInterval(ticks);
      clearInterval(routerTicks);
      for (const m of everyone) {
        m.client.close();
        m.transport.close();
      }
    }
    expect([router.size, media.endpoint.peerCount]).toEqual([0, 0]);
    router.close();
  }, 60_000 + LISTENERS * 200);
});
