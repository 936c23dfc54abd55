import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** Flags from shared/NETLAB.md: headless, no background traffic, fake devices, loopback ICE, no DNS. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // Chromium resolves names on its own even when asked only for IP literals: resolve nothing.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(extraArgs: string[] = []): Promise<TestBrowser> {
  // playwright gives every launch a fresh, empty profile of its own and removes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30_000 });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

export interface JoinOptions {
  transport?: 'websocket' | 'sse' | 'longpoll';
  /** The codec the page publishes video with in SFU rooms (the room page's `?videoCodec=`). */
  videoCodec?: 'vp8' | 'vp9' | 'h264';
  /** Make every WebSocket fail to connect, as behind a proxy that refuses upgrades. */
  blockWebSocket?: boolean;
  /** Make EventSource fail too, leaving only long-polling. */
  blockEventSource?: boolean;
  /** Deny camera and microphone. */
  denyMedia?: boolean;
  /** Runs on the pre-join screen (page loaded, camera on, name typed), just before Join is pressed. */
  beforeJoin?: () => Promise<void>;
}

export interface Participant {
  context: BrowserContext;
  page: Page;
  name: string;
  id: string;
}

/** Opens the room page as a person would: types a name, presses Join, waits until in the call. */
export async function joinRoom(browser: Browser, baseUrl: string, roomId: string, name: string, options: JoinOptions = {}): Promise<Participant> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 } });
  if (!options.denyMedia) await context.grantPermissions(['camera', 'microphone'], { origin: baseUrl });
  if (options.blockWebSocket) {
    await context.addInitScript(() => {
      class BlockedWebSocket extends EventTarget {
        readyState = 3;
        onopen: ((e: Event) => void) | null = null;
        onclose: ((e: CloseEvent) => void) | null = null;
        onerror: ((e: Event) => void) | null = null;
        onmessage: ((e: MessageEvent) => void) | null = null;
        constructor() {
          super();
          setTimeout(() => {
            this.onerror?.(new Event('error'));
            this.onclose?.(new CloseEvent('close', { code: 1006 }));
          }, 10);
        }
        send(): void {
          throw new DOMException('blocked', 'InvalidStateError');
        }
        close(): void {}
      }
      (window as unknown as { WebSocket: unknown }).WebSocket = BlockedWebSocket;
    });
  }
  if (options.blockEventSource) {
    await context.addInitScript(() => {
      class BlockedEventSource extends EventTarget {
        readyState = 2;
        onopen: ((e: Event) => void) | null = null;
        onerror: ((e: Event) => void) | null = null;
        onmessage: ((e: MessageEvent) => void) | null = null;
        constructor() {
          super();
          setTimeout(() => this.onerror?.(new Event('error')), 10);
        }
        close(): void {}
      }
      (window as unknown as { EventSource: unknown }).EventSource = BlockedEventSource;
    });
  }
  if (options.denyMedia) {
    await context.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
  }
  const page = await context.newPage();
  const params = new URLSearchParams({ ...(options.transport ? { transport: options.transport } : {}), ...(options.videoCodec ? { videoCodec: options.videoCodec } : {}) });
  const query = params.size > 0 ? `?${params}` : '';
  await page.goto(`${baseUrl}/r/${roomId}${query}`);
  await page.getByLabel('Your name').fill(name);
  await options.beforeJoin?.();
  await page.getByRole('button', { name: 'Join' }).click();
  await page.waitForFunction(() => window.parley?.room.signal.state === 'connected', undefined, { timeout: 20_000 });
  const id = await page.evaluate(() => window.parley?.room.local?.id ?? '');
  return { context, page, name, id };
}

export interface RemoteMediaStats {
  participantId: string;
  name: string;
  connectionState: string;
  framesDecoded: number;
  frameWidth: number;
  audioBytesReceived: number;
  /** Video freezes (WebRTC stats: a frame gap well above the recent average). */
  freezeCount: number;
  /** NACKs this side sent for that video, and packets it counted lost. */
  nackCount: number;
  packetsLost: number;
  candidatePairType: string | undefined;
  /** The selected pair's local candidate protocol ('udp' | 'tcp'); for a relay, the protocol to the TURN server. */
  candidateProtocol: string | undefined;
}

/** What this page receives from each remote participant, read from RTCPeerConnection.getStats(). */
export function remoteStats(page: Page): Promise<RemoteMediaStats[]> {
  return page.evaluate(async () => {
    const room = window.parley?.room;
    if (!room) return [];
    const out = [];
    for (const p of room.participants.values()) {
      let framesDecoded = 0;
      let frameWidth = 0;
      let audioBytesReceived = 0;
      let freezeCount = 0;
      let nackCount = 0;
      let packetsLost = 0;
      let candidatePairType: string | undefined;
      let candidateProtocol: string | undefined;
      // Mesh: that participant's own peer connection; SFU: their share of the one SFU connection.
      const source = room.statsSource(p.id);
      if (source) {
        const all: Record<string, unknown>[] = [];
        (await source.pc.getStats()).forEach((s: Record<string, unknown>) => all.push(s));
        const byId = new Map<string, Record<string, unknown>>();
        for (const s of all) byId.set(s.id as string, s);
        for (const s of source.select(all as Array<Record<string, unknown> & { type: string }>)) {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            framesDecoded += (s.framesDecoded as number) ?? 0;
            frameWidth = Math.max(frameWidth, (s.frameWidth as number) ?? 0);
            freezeCount += (s.freezeCount as number) ?? 0;
            nackCount += (s.nackCount as number) ?? 0;
            packetsLost += (s.packetsLost as number) ?? 0;
          }
          if (s.type === 'inbound-rtp' && s.kind === 'audio') audioBytesReceived += (s.bytesReceived as number) ?? 0;
          if (s.type === 'transport' && s.selectedCandidatePairId) {
            const pair = byId.get(s.selectedCandidatePairId as string);
            const local = pair && byId.get(pair.localCandidateId as string);
            candidatePairType = local?.candidateType as string | undefined;
            candidateProtocol = (local?.relayProtocol ?? local?.protocol) as string | undefined;
          }
        }
      }
      out.push({ participantId: p.id, name: p.name, connectionState: p.connectionState, framesDecoded, frameWidth, audioBytesReceived, freezeCount, nackCount, packetsLost, candidatePairType, candidateProtocol });
    }
    return out;
  });
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitUntil<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Resolves once every participant decodes video from every other one and `framesDecoded` rose over
 * `windowMs` (frames keep coming, not just one), and audio bytes arrive.
 */
export async function expectMediaFlowing(participants: Participant[], windowMs = 2000, timeoutMs = 30_000): Promise<Map<string, RemoteMediaStats[]>> {
  const expected = participants.length - 1;
  const before = new Map<string, RemoteMediaStats[]>();
  for (const p of participants) {
    before.set(
      p.id,
      await waitUntil(
        async () => {
          const s = await remoteStats(p.page);
          return s.length === expected && s.every((r) => r.framesDecoded > 0 && r.audioBytesReceived > 0) ? s : undefined;
        },
        timeoutMs,
        `${p.name} to decode video and receive audio from ${expected} others`,
      ),
    );
  }
  await new Promise((r) => setTimeout(r, windowMs));
  const after = new Map<string, RemoteMediaStats[]>();
  for (const p of participants) {
    const s = await remoteStats(p.page);
    for (const r of s) {
      const prev = before.get(p.id)?.find((b) => b.participantId === r.participantId);
      if (!prev || r.framesDecoded <= prev.framesDecoded) throw new Error(`${p.name}: framesDecoded from ${r.name} did not rise (${prev?.framesDecoded} → ${r.framesDecoded})`);
      if (r.audioBytesReceived <= prev.audioBytesReceived) throw new Error(`${p.name}: audio from ${r.name} stopped`);
    }
    after.set(p.id, s);
  }
  return after;
}
