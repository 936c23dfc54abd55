import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { joinRoom, launchBrowser, waitUntil, type Participant, type TestBrowser } from '../support/browser.ts';
import { requireWebBuild } from '../support/web.ts';

const MiB = 1024 * 1024;

interface Seen {
  event: string;
  id: string;
  direction: string;
  state: string;
  bytes: number;
}
declare global {
  interface Window {
    fileEvents?: Seen[];
    progressSeen?: number[];
  }
}

/** Every participant has a connected peer connection to the n others. */
async function meshConnected(people: Participant[]): Promise<void> {
  for (const p of people) {
    await waitUntil(
      () => p.page.evaluate((n) => {
        const peers = [...(window.parley?.room.participants.values() ?? [])];
        return peers.length === n && peers.every((r) => r.connectionState === 'connected');
      }, people.length - 1),
      20_000,
      `${p.name} to connect to everyone`,
    );
  }
}

/** Records every FileTransfers event of the page (what the SDK reported, in order). */
function recordEvents(page: Page): Promise<void> {
  return page.evaluate(() => {
    const files = window.parleyFiles!;
    window.fileEvents = [];
    for (const event of ['transferStarted', 'transferProgressed', 'transferCompleted', 'transferFailed', 'transferCancelled'] as const) {
      files.on(event, (t) => window.fileEvents!.push({ event, id: t.id, direction: t.direction, state: t.state, bytes: t.bytesTransferred }));
    }
  });
}

/** Samples what the person sees: the value of the first transfer's progress bar, every 20 ms. */
function sampleProgressBar(page: Page): Promise<void> {
  return page.evaluate(() => {
    window.progressSeen = [];
    setInterval(() => {
      const bar = document.querySelector<HTMLProgressElement>('li.transfer progress');
      if (bar && bar.value !== window.progressSeen!.at(-1)) window.progressSeen!.push(bar.value);
    }, 20);
  });
}

async function openFilesPanel(page: Page): Promise<void> {
  if (await page.getByRole('complementary', { name: 'files' }).isVisible()) return;
  await page.getByRole('button', { name: /^Files/ }).click();
  await page.getByRole('complementary', { name: 'files' }).waitFor();
}

/** Picks a file made in the page (random bytes, or zeros when `random` is false) with the panel's file input; returns its SHA-256 computed by WebCrypto. */
function pickGeneratedFile(page: Page, name: string, size: number, random = true): Promise<string> {
  return page.evaluate(
    async ({ name, size, random }) => {
      const bytes = new Uint8Array(size);
      if (random) for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      const input = document.querySelector<HTMLInputElement>('input[type=file][aria-label="File to send"]')!;
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return digest;
    },
    { name, size, random },
  );
}

const item = (page: Page, direction: 'incoming' | 'outgoing', name: string) => page.locator(`li.transfer[data-direction=${direction}]`).filter({ hasText: name });
const events = (page: Page) => page.evaluate(() => window.fileEvents ?? []);

describe('file transfer in Chromium', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  let alice: Participant;
  let bob: Participant;

  beforeAll(async () => {
    server = await startTestServer({}, { webDir: requireWebBuild() });
    chrome = await launchBrowser();
    alice = await joinRoom(chrome.browser, server.httpUrl, 'files', 'Alice');
    bob = await joinRoom(chrome.browser, server.httpUrl, 'files', 'Bob');
    await meshConnected([alice, bob]);
    for (const p of [alice, bob]) await recordEvents(p.page);
  });
  afterAll(async () => {
    for (const p of [alice, bob]) await p?.context.close().catch(() => undefined);
    await chrome?.close();
    await server?.close();
  });

  it('a 20 MiB file arrives with the sender\'s SHA-256, progress rising on both sides, stored in OPFS', async () => {
    await openFilesPanel(alice.page);
    await Promise.all([sampleProgressBar(alice.page), sampleProgressBar(bob.page)]);
    const sentHash = await pickGeneratedFile(alice.page, 'random-20MiB.bin', 20 * MiB);

    // What people see: Bob's panel opens by itself, both lists end with a full bar and the final state.
    await expect.poll(() => item(bob.page, 'incoming', 'random-20MiB.bin').getAttribute('data-state'), { timeout: 60_000 }).toBe('completed');
    await expect.poll(() => item(alice.page, 'outgoing', 'random-20MiB.bin').getAttribute('data-state'), { timeout: 10_000 }).toBe('completed');
    await expect(item(bob.page, 'incoming', 'random-20MiB.bin').locator('.status').textContent()).resolves.toBe('Received');
    await expect(item(alice.page, 'outgoing', 'random-20MiB.bin').locator('.status').textContent()).resolves.toBe('Sent');
    expect(await item(bob.page, 'incoming', 'random-20MiB.bin').getByRole('link', { name: 'Download random-20MiB.bin' }).getAttribute('download')).toBe('random-20MiB.bin');
    for (const p of [alice, bob]) {
      const bars = await p.page.evaluate(() => window.progressSeen ?? []);
      expect(bars.length, `${p.name}'s progress bar values`).toBeGreaterThanOrEqual(3);
      expect(bars).toEqual([...bars].sort((x, y) => x - y));
      expect(bars.at(-1)).toBe(20 * MiB);
    }

    // What the SDK reported: several increasing progress events on each side.
    for (const p of [alice, bob]) {
      const progress = (await events(p.page)).filter((e) => e.event === 'transferProgressed').map((e) => e.bytes);
      expect(progress.length, `${p.name}'s progress events`).toBeGreaterThanOrEqual(5);
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
      expect(progress.at(-1)).toBe(20 * MiB);
    }

    // The received file, hashed independently of the SDK.
    const received = await bob.page.evaluate(async () => {
      const t = window.parleyFiles!.transfers.find((x) => x.direction === 'incoming' && x.name === 'random-20MiB.bin')!;
      const digest = await crypto.subtle.digest('SHA-256', await t.file!.arrayBuffer());
      return { hash: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''), size: t.file!.size, storage: t.storage };
    });
    expect(received).toEqual({ hash: sentHash, size: 20 * MiB, storage: 'opfs' });
  });

  it('the receiver cancels mid-way from the panel: both sides show it cancelled, and the partial file is deleted', async () => {
    await pickGeneratedFile(alice.page, 'cancel-by-bob.bin', 128 * MiB, false);
    const row = item(bob.page, 'incoming', 'cancel-by-bob.bin');
    await waitUntil(async () => Number(await row.locator('progress').getAttribute('value')) > 0 || undefined, 20_000, 'Bob to receive some bytes');
    await row.getByRole('button', { name: 'Cancel cancel-by-bob.bin from Alice' }).click();

    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('cancelled');
    await expect.poll(() => item(alice.page, 'outgoing', 'cancel-by-bob.bin').getAttribute('data-state'), { timeout: 10_000 }).toBe('cancelled');
    expect(await row.locator('.status').textContent()).toBe('Cancelled');
    expect(await item(alice.page, 'outgoing', 'cancel-by-bob.bin').locator('.status').textContent()).toBe('Cancelled');
    expect(await row.getByRole('link').count()).toBe(0);
    const bytes = await bob.page.evaluate(() => window.parleyFiles!.transfers.find((t) => t.name === 'cancel-by-bob.bin')!.bytesTransferred);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(128 * MiB);

    // Only the completed file is left in Bob's origin-private storage.
    const leftovers = () =>
      bob.page.evaluate(async () => {
        const names: string[] = [];
        const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('parley-files');
        for await (const dir of (root as unknown as { values(): AsyncIterable<FileSystemDirectoryHandle> }).values()) {
          for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
        }
        const completed = window.parleyFiles!.transfers.filter((t) => t.state === 'completed').map((t) => t.id);
        return names.filter((n) => !completed.includes(n));
      });
    await expect.poll(leftovers).toEqual([]);
  });

  it('the sender cancels mid-way (SDK): both sides report cancelled', async () => {
    await alice.page.evaluate(() => {
      const files = window.parleyFiles!;
      const off = files.on('transferProgressed', (t) => {
        if (t.direction !== 'outgoing' || t.bytesTransferred < 8 * 1024 * 1024) return;
        off();
        t.cancel();
      });
      files.send(new File([new Uint8Array(128 * 1024 * 1024)], 'cancel-by-alice.bin'));
    });
    await expect.poll(() => item(bob.page, 'incoming', 'cancel-by-alice.bin').getAttribute('data-state'), { timeout: 20_000 }).toBe('cancelled');
    await expect.poll(() => item(alice.page, 'outgoing', 'cancel-by-alice.bin').getAttribute('data-state')).toBe('cancelled');
    for (const p of [alice, bob]) {
      const id = await p.page.evaluate(() => window.parleyFiles!.transfers.find((t) => t.name === 'cancel-by-alice.bin')!.id);
      const ends = (await events(p.page)).filter((e) => e.id === id && /Cancelled|Failed|Completed/.test(e.event)).map((e) => e.event);
      expect(ends, p.name).toEqual(['transferCancelled']);
    }
  });

  it('the sender leaving mid-way fails the transfer on the receiver\'s side with "Alice left"', async () => {
    await pickGeneratedFile(alice.page, 'left-behind.bin', 128 * MiB, false);
    const row = item(bob.page, 'incoming', 'left-behind.bin');
    await waitUntil(async () => Number(await row.locator('progress').getAttribute('value')) > 0 || undefined, 20_000, 'Bob to receive some bytes');
    await alice.page.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('failed');
    expect(await row.locator('.status').textContent()).toBe('Failed: Alice left');
    expect(await bob.page.evaluate(() => window.parleyFiles!.transfers.find((t) => t.name === 'left-behind.bin')!.errorCode)).toBe('PARTICIPANT_LEFT');
  });
});

describe('file transfer to one participant of three', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  const people: Participant[] = [];

  beforeAll(async () => {
    server = await startTestServer({}, { webDir: requireWebBuild() });
    chrome = await launchBrowser();
    for (const name of ['Ann', 'Ben', 'Cat']) people.push(await joinRoom(chrome.browser, server.httpUrl, 'files3', name));
    await meshConnected(people);
  });
  afterAll(async () => {
    for (const p of people) await p.context.close().catch(() => undefined);
    await chrome?.close();
    await server?.close();
  });

  it('a file sent to Ben reaches Ben only', async () => {
    const [ann, ben, cat] = people as [Participant, Participant, Participant];
    for (const p of people) await recordEvents(p.page);
    await openFilesPanel(ann.page);
    await ann.page.getByRole('combobox', { name: 'Send to' }).selectOption({ label: 'Ben' });
    await ann.page.locator('input[type=file][aria-label="File to send"]').setInputFiles({ name: 'for-ben.txt', mimeType: 'text/plain', buffer: Buffer.from('only for Ben\n'.repeat(10_000)) });

    await expect.poll(() => item(ben.page, 'incoming', 'for-ben.txt').getAttribute('data-state'), { timeout: 20_000 }).toBe('completed');
    await expect.poll(() => item(ann.page, 'outgoing', 'for-ben.txt').getAttribute('data-state')).toBe('completed');
    expect(await ann.page.locator('li.transfer').count()).toBe(1);
    expect(await item(ann.page, 'outgoing', 'for-ben.txt').textContent()).toContain('to Ben');
    const text = await ben.page.evaluate(() => window.parleyFiles!.transfers[0]!.file!.text());
    expect(text).toBe('only for Ben\n'.repeat(10_000));

    // Cat got nothing: no transfer, no event, her panel stayed closed.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await events(cat.page)).toEqual([]);
    expect(await cat.page.evaluate(() => window.parleyFiles!.transfers.length)).toBe(0);
    expect(await cat.page.getByRole('complementary', { name: 'files' }).count()).toBe(0);
    expect(await cat.page.getByRole('button', { name: 'Files', exact: true }).isVisible()).toBe(true);
  });
});
