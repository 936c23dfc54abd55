// Join → first remote frame in a 2-party mesh call, measured in Chromium with the built web app.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { joinRoom, launchBrowser, type TestBrowser } from '../../test/support/browser.ts';
import { startTestServer, type TestServer } from '../../test/support/server.ts';
import { WEB_DIR } from '../../test/support/web.ts';
import { fmt, inLoopbackNamespace, printTable, sleep, summarize, withTimeout } from './common.ts';

/** In-page timestamps (performance.now(), ms) the init script below records in the joining page. */
export interface JoinMarks {
  click?: number;
  /** The signaling WebSocket is constructed: Room.connect() has started (t0). */
  ws?: number;
  hello?: number;
  welcome?: number;
  pc?: number;
  connected?: number;
  /** First remote video frame presented (requestVideoFrameCallback on a <video> showing a remote track). */
  frame?: number;
  /** First remote frame decoded (inbound-rtp framesDecoded > 0, getStats polled every 10 ms). */
  decoded?: number;
}

declare global {
  interface Window {
    __bench?: JoinMarks;
  }
}

/** Runs in the joining page before any of its scripts: wraps WebSocket and RTCPeerConnection to timestamp the join. */
function instrument(): void {
  const marks: JoinMarks = {};
  window.__bench = marks;
  const now = () => performance.now();
  document.addEventListener('click', (e) => {
    const button = (e.target as Element | null)?.closest?.('button');
    if (marks.click === undefined && button?.textContent?.trim() === 'Join') marks.click = now();
  }, true);

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (marks.ws !== undefined) return;
      marks.ws = now();
      this.addEventListener('message', () => (marks.welcome ??= now()), { once: true });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      marks.hello ??= now();
      super.send(data);
    }
  };

  // Ids of tracks received from peers: the first frame counts only on a <video> showing one of them.
  const remoteTracks = new Set<string>();
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePC {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      marks.pc ??= now();
      this.addEventListener('track', (e) => remoteTracks.add(e.track.id));
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') marks.connected ??= now();
      });
      const poll = setInterval(() => {
        if (marks.decoded !== undefined || this.connectionState === 'closed') return clearInterval(poll);
        void this.getStats().then((report) => {
          report.forEach((s: { type?: string; kind?: string; framesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > 0) marks.decoded ??= now();
          });
        });
      }, 10);
      setTimeout(() => clearInterval(poll), 20_000);
    }
  };

  // Every <video> the app shows (pre-join preview, own tile, remote tiles) is watched; a presented
  // frame counts once the element shows a remote video track. Local previews just re-arm.
  const watched = new WeakSet<HTMLVideoElement>();
  const showsRemote = (video: HTMLVideoElement) =>
    video.srcObject instanceof MediaStream && video.srcObject.getVideoTracks().some((t) => remoteTracks.has(t.id));
  const arm = (video: HTMLVideoElement) => {
    video.requestVideoFrameCallback(() => {
      if (marks.frame !== undefined) return;
      if (showsRemote(video)) marks.frame = now();
      else if (video.isConnected) arm(video);
    });
  };
  const watch = () => {
    for (const video of document.querySelectorAll('video')) {
      if (watched.has(video)) continue;
      watched.add(video);
      arm(video);
    }
  };
  new MutationObserver(watch).observe(document, { childList: true, subtree: true });
}

interface JoinSample extends JoinMarks {
  index: number;
}

function ensureWebBuild(): string {
  if (existsSync(`${WEB_DIR}/index.html`)) return WEB_DIR;
  console.log('packages/web/dist is missing: running `npm run build`');
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', timeout: 180_000 });
  if (built.status !== 0 || !existsSync(`${WEB_DIR}/index.html`)) throw new Error('npm run build failed');
  return WEB_DIR;
}

async function oneJoin(browser: Browser, baseUrl: string, roomId: string, index: number, publisher: Page): Promise<JoinSample> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 } });
  try {
    await context.grantPermissions(['camera', 'microphone'], { origin: baseUrl });
    // tsx compiles with keepNames, which wraps named functions in a `__name(...)` helper that does not exist in the page.
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    await context.addInitScript(instrument);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/r/${roomId}`);
    await page.getByLabel('Your name').fill(`Joiner ${index}`);
    await page.getByRole('button', { name: 'Join' }).click();
    try {
      await page.waitForFunction(() => window.__bench?.frame !== undefined && window.__bench.decoded !== undefined, undefined, { timeout: 15_000, polling: 50 });
    } catch (err) {
      const partial = await page.evaluate(() => window.__bench).catch(() => undefined);
      throw new Error(`join ${index}: no remote frame within 15 s (marks so far: ${JSON.stringify(partial)})`, { cause: err });
    }
    const marks = (await page.evaluate(() => window.__bench)) as JoinMarks;
    // Leave properly so the publisher drops the peer at once (a closed tab would linger for the resume grace).
    await page.getByRole('button', { name: 'Leave' }).click();
    await publisher.waitForFunction(() => window.parley?.room.participants.size === 0, undefined, { timeout: 5000, polling: 50 });
    return { index, ...marks };
  } finally {
    await context.close().catch(() => undefined);
  }
}

const since = (s: JoinSample, from: keyof JoinMarks, to: keyof JoinMarks): number => {
  const a = s[from];
  const b = s[to];
  return a === undefined || b === undefined ? Number.NaN : b - a;
};

export async function runJoin({ quick, topology = 'mesh' }: { quick: boolean; topology?: 'mesh' | 'sfu' }): Promise<JoinSample[]> {
  if (!inLoopbackNamespace()) throw new Error('refusing to start Chromium outside a loopback-only network namespace (PARLEY_NETNS=1, scripts/netns.mjs)');
  const joins = quick ? 3 : 12;
  const warmups = 1;
  console.log(`\n## join: 2-party ${topology === 'sfu' ? 'SFU room (through the server)' : 'mesh'} in Chromium; ${warmups} warm-up + ${joins} measured joins against one publisher already in the room`);
  console.log('t0 = joining page constructs its signaling WebSocket (Room.connect() started); frame = first remote frame presented (requestVideoFrameCallback)\n');
  const webDir = ensureWebBuild();
  let server: TestServer | undefined;
  let chrome: TestBrowser | undefined;
  const samples: JoinSample[] = [];
  try {
    server = await startTestServer({ log: { level: 'warn' } }, { webDir });
    chrome = await launchBrowser();
    const roomId = `bench-join-${topology}`;
    await server.createRoom({ id: roomId, topology });
    const publisher = await withTimeout(joinRoom(chrome.browser, server.httpUrl, roomId, 'Publisher'), 30_000, 'publisher join');
    await sleep(1000); // the publisher's camera is running before anyone joins
    for (let i = 0; i < warmups + joins; i++) {
      const s = await withTimeout(oneJoin(chrome.browser, server.httpUrl, roomId, i, publisher.page), 30_000, `join ${i}`);
      const label = i < warmups ? 'warm-up' : `join ${i - warmups + 1}`;
      console.log(
        `${label.padEnd(8)} ws→frame ${fmt(since(s, 'ws', 'frame'), 0)} ms (ws→welcome ${fmt(since(s, 'ws', 'welcome'), 0)}, →pc ${fmt(since(s, 'ws', 'pc'), 0)}, ` +
          `→connected ${fmt(since(s, 'ws', 'connected'), 0)}, →decoded ${fmt(since(s, 'ws', 'decoded'), 0)}); click→frame ${fmt(since(s, 'click', 'frame'), 0)} ms`,
      );
      if (i >= warmups) samples.push(s);
      await sleep(300);
    }
    await publisher.context.close().catch(() => undefined);
  } finally {
    await chrome?.close();
    await server?.close();
  }

  const rows: Array<[string, keyof JoinMarks, keyof JoinMarks]> = [
    ['ws → welcome', 'ws', 'welcome'],
    ['ws → peer connection created', 'ws', 'pc'],
    ['ws → connectionState connected', 'ws', 'connected'],
    ['ws → first remote frame decoded', 'ws', 'decoded'],
    ['**ws → first remote frame presented**', 'ws', 'frame'],
    ['Join click → first remote frame presented', 'click', 'frame'],
  ];
  console.log('');
  printTable(
    ['interval (ms)', 'n', 'p50', 'p95', 'min', 'max'],
    rows.map(([label, a, b]) => {
      const sum = summarize(samples.map((s) => since(s, a, b)).filter(Number.isFinite));
      return [label, String(sum.n), fmt(sum.p50, 0), fmt(sum.p95, 0), fmt(sum.min, 0), fmt(sum.max, 0)];
    }),
  );
  return samples;
}
