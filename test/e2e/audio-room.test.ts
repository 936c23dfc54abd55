import { describe, expect, it } from 'vitest';
import { waitUntil, type Participant } from '../support/browser.ts';
import { useCallHarness } from '../support/harness.ts';

declare global {
  interface Window {
    __slotLevels?: () => number[];
  }
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
}

/** The page's audio slots: who is in each, and the bytes received on each slot's section so far. */
function slotState(p: Participant) {
  return p.page.evaluate(async () => {
    const room = window.parley!.room;
    const slots = room.audioSlots;
    // The SFU connection (every participant's media connection in an SFU room).
    const pc = [...room.participants.values()][0]?.mediaConnection as RTCPeerConnection | undefined;
    const bytes = new Map<string, number>();
    if (pc) {
      (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; bytesReceived?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.trackIdentifier) bytes.set(s.trackIdentifier, s.bytesReceived ?? 0);
      });
    }
    return {
      audioOnly: room.audioOnly,
      topology: room.topology,
      published: room.localTracks.map((t) => t.kind),
      slots: slots.map((s) => ({ participantId: s.participantId, bytes: s.track ? (bytes.get(s.track.id) ?? 0) : 0 })),
    };
  });
}

/** Starts a WebAudio meter on every slot track: the peak RMS per slot since started. */
function startSlotMeters(p: Participant): Promise<void> {
  return p.page.evaluate(async () => {
    const ctx = new AudioContext();
    await ctx.resume();
    const peaks = window.parley!.room.audioSlots.map(() => 0);
    window.parley!.room.audioSlots.forEach((slot, i) => {
      if (!slot.track) return;
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      ctx.createMediaStreamSource(new MediaStream([slot.track])).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        peaks[i] = Math.max(peaks[i] ?? 0, Math.sqrt(sum / buf.length));
      }, 20);
    });
    window.__slotLevels = () => [...peaks];
  });
}

describe('audio-only rooms in Chromium', () => {
  const h = useCallHarness({ chromeArgs: ['--use-fake-device-for-media-stream=fps=15'] });

  it('three participants each hear the two others through fixed slots, told who is in which; no video is sent', async () => {
    await h.server.createRoom({ id: 'audio-three', audioOnly: true });
    for (const name of ['Ada', 'Bea', 'Cal']) await h.join('audio-three', name);
    const ids = h.open.map((p) => p.id);

    for (const p of h.open) {
      const others = ids.filter((id) => id !== p.id).sort();
      await waitUntil(async () => {
        const s = await slotState(p);
        const named = s.slots.flatMap((x) => (x.participantId ? [x.participantId] : [])).sort();
        return s.slots.length === 3 && JSON.stringify(named) === JSON.stringify(others) && s.slots.every((x) => !x.participantId || x.bytes > 0);
      }, 30_000, `${p.name} to receive the two others in their slots`);
      const s = await slotState(p);
      expect(s).toMatchObject({ audioOnly: { loudest: 3 }, topology: 'sfu', published: ['audio'] });
      expect(s.slots.filter((x) => x.participantId === null)).toHaveLength(1);
      expect(await p.page.locator('ul.people li').count()).toBe(3);
      expect(await p.page.locator('figure.tile').count()).toBe(0);
      await startSlotMeters(p);
    }
    const before = await Promise.all(h.open.map(slotState));
    await new Promise((r) => setTimeout(r, 3000));
    for (const [i, p] of h.open.entries()) {
      const s = await slotState(p);
      const levels = await p.page.evaluate(() => window.__slotLevels?.() ?? []);
      console.log(`${p.name}: slots ${JSON.stringify(s.slots)}; peak RMS per slot ${levels.map((l) => l.toFixed(4)).join(', ')}`);
      s.slots.forEach((slot, k) => {
        if (!slot.participantId) return;
        expect(slot.participantId).toBe(before[i]?.slots[k]?.participantId);
        expect(slot.bytes, `${p.name}: slot ${k} keeps receiving`).toBeGreaterThan(before[i]?.slots[k]?.bytes ?? 0);
        expect(levels[k], `${p.name}: slot ${k} is heard`).toBeGreaterThan(0.001);
      });
    }
    // Microphones only: one producer per participant, no consumer (slots are not producer subscriptions).
    expect(await metric(h.server.httpUrl, 'parley_sfu_producers')).toBe(3);
    expect(await metric(h.server.httpUrl, 'parley_sfu_consumers')).toBe(0);
  });

  it('with one slot, everyone hears the one speaker (and the speaker the next), told by name as the speaker changes', async () => {
    await h.server.createRoom({ id: 'audio-one', audioOnly: true, loudest: 1 });
    for (const name of ['Dee', 'Eli', 'Fox']) await h.join('audio-one', name);
    const [dee, eli, fox] = h.open as [Participant, Participant, Participant];
    const setMic = (p: Participant, on: boolean) => p.page.evaluate((on) => window.parley!.media.setEnabled('audio', on), on);
    const slotOf = async (p: Participant) => (await slotState(p)).slots[0]?.participantId;
    // Only Dee speaks: Eli and Fox hear her; she hears one of the silent two.
    await setMic(eli, false);
    await setMic(fox, false);
    for (const p of [eli, fox]) await waitUntil(async () => (await slotOf(p)) === dee.id, 10_000, `${p.name}'s slot to name Dee`);
    expect([eli.id, fox.id]).toContain(await slotOf(dee));
    // Fox takes over: Dee and Eli hear Fox within a few seconds, and Fox's own slot never names Fox.
    await setMic(dee, false);
    await setMic(fox, true);
    const started = Date.now();
    for (const p of [dee, eli]) await waitUntil(async () => (await slotOf(p)) === fox.id, 10_000, `${p.name}'s slot to name Fox`);
    console.log(`speaker change reached both listeners' slots in ${Date.now() - started} ms`);
    expect(await slotOf(fox)).not.toBe(fox.id);
    const before = (await slotState(eli)).slots[0]?.bytes ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await slotState(eli)).slots[0]?.bytes).toBeGreaterThan(before);
  });
});
