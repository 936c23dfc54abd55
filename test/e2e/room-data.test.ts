import { describe, expect, it } from 'vitest';
import { waitUntil, type Participant } from '../support/browser.ts';
import { useCallHarness, type CallHarness } from '../support/harness.ts';

/** What a page's `data` listener saw: text messages as they came, binary ones by size, and a hash of the bytes. */
interface Seen {
  text: Array<{ from: string; text: string; reliable: boolean }>;
  binary: Array<{ from: string; size: number; reliable: boolean }>;
}

declare global {
  interface Window {
    roomData?: { text: Seen['text']; binary: Array<{ from: string; bytes: Uint8Array; reliable: boolean }> };
  }
}

/** Starts recording `data` events on the page (before anyone sends). */
async function listen(p: Participant): Promise<void> {
  await p.page.evaluate(() => {
    const seen: NonNullable<Window['roomData']> = { text: [], binary: [] };
    window.roomData = seen;
    window.parley!.room.on('data', (m) => {
      if (typeof m.data === 'string') seen.text.push({ from: m.from, text: m.data, reliable: m.reliable });
      else seen.binary.push({ from: m.from, bytes: m.data, reliable: m.reliable });
    });
  });
}

function seen(p: Participant): Promise<Seen> {
  return p.page.evaluate(() => ({
    text: window.roomData!.text,
    binary: window.roomData!.binary.map((b) => ({ from: b.from, size: b.bytes.length, reliable: b.reliable })),
  }));
}

/** SHA-256 of every binary message received from `from`, concatenated in arrival order. */
function receivedHash(p: Participant, from: string): Promise<string> {
  return p.page.evaluate(async (sender) => {
    const parts = window.roomData!.binary.filter((b) => b.from === sender).map((b) => b.bytes);
    const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of parts) {
      all.set(b, at);
      at += b.length;
    }
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', all)), (x) => x.toString(16).padStart(2, '0')).join('');
  }, from);
}

async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return Number(line?.split(' ')[1] ?? 0);
}

/** Every SFU connection of the room has both data channels open at the server. */
async function relayReady(h: CallHarness, room: string, count: number): Promise<void> {
  await waitUntil(
    async () => {
      const transports = h.server.sfu!.snapshot().filter((t) => t.room === room);
      return transports.length === count && transports.every((t) => JSON.stringify((t.dataChannels as { channels: string[] } | undefined)?.channels.sort()) === '["parley-data","parley-data-lossy"]');
    },
    20_000,
    `${count} SFU connections with both data channels open`,
  );
}

describe('room data over the SFU in Chromium', () => {
  const h = useCallHarness({ keepAcrossTests: true, chromeArgs: ['--use-fake-device-for-media-stream=fps=10'] });
  let ann: Participant;
  let ben: Participant;
  let cat: Participant;

  it('three participants of an SFU room get data channels to the server', async () => {
    await h.server.createRoom({ id: 'data-sfu', topology: 'sfu' });
    ann = await h.join('data-sfu', 'Ann');
    ben = await h.join('data-sfu', 'Ben');
    cat = await h.join('data-sfu', 'Cat');
    for (const p of h.open) await listen(p);
    await relayReady(h, 'data-sfu', 3);
  });

  it('300 reliable messages from Ann reach Ben and Cat exactly once and in order, Ann herself not at all', async () => {
    const sentAt = Date.now();
    await ann.page.evaluate(() => {
      for (let i = 0; i < 300; i++) window.parley!.room.sendData(`message ${i}`);
    });
    const expected = Array.from({ length: 300 }, (_, i) => `message ${i}`);
    for (const p of [ben, cat]) {
      await waitUntil(async () => (await seen(p)).text.length >= 300, 15_000, `${p.name} to receive 300 messages`);
      const s = await seen(p);
      expect(s.text.map((m) => m.text)).toEqual(expected);
      expect(new Set(s.text.map((m) => `${m.from}/${m.reliable}`))).toEqual(new Set([`${ann.id}/true`]));
    }
    console.info(`300 reliable messages to 2 receivers in ${Date.now() - sentAt} ms`);
    expect((await seen(ann)).text).toEqual([]);
  });

  it('a 1 MiB burst of binary messages arrives intact (same SHA-256) at both others', async () => {
    const started = Date.now();
    const hash = await ann.page.evaluate(async () => {
      const total = new Uint8Array(1024 * 1024);
      for (let i = 0; i < total.length; i += 65_536) crypto.getRandomValues(total.subarray(i, i + 65_536));
      for (let at = 0; at < total.length; at += 60 * 1024) window.parley!.room.sendData(total.slice(at, at + 60 * 1024));
      return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', total)), (x) => x.toString(16).padStart(2, '0')).join('');
    });
    for (const p of [ben, cat]) {
      await waitUntil(async () => (await seen(p)).binary.reduce((n, b) => n + b.size, 0) >= 1024 * 1024, 30_000, `${p.name} to receive 1 MiB`);
      const s = await seen(p);
      expect(s.binary.reduce((n, b) => n + b.size, 0)).toBe(1024 * 1024);
      expect(s.binary.every((b) => b.from === ann.id && b.reliable)).toBe(true);
      expect(await receivedHash(p, ann.id)).toBe(hash);
    }
    console.info(`1 MiB relayed to 2 receivers in ${Date.now() - started} ms`);
  });

  it('lossy messages arrive marked lossy, each at most once', async () => {
    await ben.page.evaluate(() => {
      for (let i = 0; i < 100; i++) window.parley!.room.sendData(`lossy ${i}`, { reliable: false });
    });
    for (const p of [ann, cat]) {
      // Unordered and never retransmitted: on loopback nearly all arrive; none twice, none from anyone else.
      await waitUntil(async () => (await seen(p)).text.filter((m) => !m.reliable).length >= 90, 10_000, `${p.name} to receive lossy messages`);
      const lossy = (await seen(p)).text.filter((m) => !m.reliable);
      expect(lossy.every((m) => m.from === ben.id && /^lossy \d+$/.test(m.text))).toBe(true);
      expect(new Set(lossy.map((m) => m.text)).size).toBe(lossy.length);
      console.info(`${p.name}: ${lossy.length}/100 lossy messages`);
    }
  });

  it('a message to: [Ben] reaches only Ben', async () => {
    await cat.page.evaluate((benId) => {
      window.parley!.room.sendData('for Ben only', { to: [benId] });
      window.parley!.room.sendData('for everyone');
    }, ben.id);
    await waitUntil(async () => (await seen(ann)).text.some((m) => m.text === 'for everyone'), 10_000, 'Ann to get the broadcast');
    await waitUntil(async () => (await seen(ben)).text.some((m) => m.text === 'for everyone'), 10_000, 'Ben to get the broadcast');
    // Both went in this order on Cat's ordered channel: had Ann been sent the first, it would be there by now.
    expect((await seen(ann)).text.filter((m) => m.from === cat.id).map((m) => m.text)).toEqual(['for everyone']);
    expect((await seen(ben)).text.filter((m) => m.from === cat.id).map((m) => m.text)).toEqual(['for Ben only', 'for everyone']);
    expect((await seen(cat)).text.filter((m) => m.from === cat.id)).toEqual([]);
  });

  it('the relay counted what it carried and dropped nothing', async () => {
    const url = h.server.httpUrl;
    expect(await metric(url, 'parley_data_messages_total', 'direction="in"')).toBeGreaterThanOrEqual(300 + 18 + 90 + 2);
    for (const reason of ['malformed', 'not_binary', 'rate_limited', 'buffer_full', 'no_channel', 'pending_full', 'unknown_destination']) {
      expect(await metric(url, 'parley_data_dropped_total', `reason="${reason}"`), reason).toBe(0);
    }
  });
});

describe('room data in mesh rooms and across a live switch to the SFU', () => {
  const h = useCallHarness({ keepAcrossTests: true, chromeArgs: ['--use-fake-device-for-media-stream=fps=10'] });

  it('in a mesh room data goes over the direct connections; after the room moves to the SFU it goes through the server', async () => {
    await h.server.createRoom({ id: 'data-auto', topology: 'auto', meshMax: 2 });
    const ann = await h.join('data-auto', 'Ann');
    const ben = await h.join('data-auto', 'Ben');
    for (const p of h.open) await listen(p);
    const topology = (p: Participant) => p.page.evaluate(() => window.parley!.room.topology);
    expect(await topology(ann)).toBe('mesh');
    // A message goes to whom the sender sees in the room: Ann sends once Ben is there for her (his join reaches her
    // page on its own), and before their connection is up: the direct control channel opens with it, and until then
    // a reliable message waits for it.
    await waitUntil(() => ann.page.evaluate((id) => window.parley!.room.participants.has(id), ben.id), 10_000, 'Ann to see Ben');
    await ann.page.evaluate(() => window.parley!.room.sendData('over the mesh'));
    await waitUntil(async () => (await seen(ben)).text.some((m) => m.text === 'over the mesh' && m.from === ann.id), 15_000, 'Ben to get the mesh message').catch(async (err: Error) => {
      const state = await ann.page.evaluate((id) => {
        const pc = window.parley!.room.statsSource(id)?.pc;
        return `Ann's connection to Ben: ${pc?.connectionState ?? 'none'}, topology ${window.parley!.room.topology}`;
      }, ben.id);
      throw new Error(`${err.message}; ${state}`);
    });
    expect(await metric(h.server.httpUrl, 'parley_data_messages_total', 'direction="in"')).toBe(0);

    const cat = await h.join('data-auto', 'Cat');
    await listen(cat);
    for (const p of h.open) await waitUntil(async () => (await topology(p)) === 'sfu', 15_000, `${p.name} to switch to the SFU`);
    await relayReady(h, 'data-auto', 3);
    await ben.page.evaluate(() => window.parley!.room.sendData('after the switch'));
    for (const p of [ann, cat]) await waitUntil(async () => (await seen(p)).text.some((m) => m.text === 'after the switch' && m.from === ben.id), 10_000, `${p.name} to get the message sent after the switch`);
    expect(await metric(h.server.httpUrl, 'parley_data_messages_total', 'direction="in"')).toBe(1);
    expect((await seen(ann)).text.filter((m) => m.text === 'after the switch')).toHaveLength(1);
  });
});
