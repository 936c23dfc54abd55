import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts';
import type { Lab } from './lab.ts';

/** Chromium's resolver rules take host patterns, not CIDRs: this keeps the lab's IP literals working. */
const PUBLIC_HOSTS = '198.18.0.*';

/** Which TURN transport a relay-only call is forced onto. */
export type RelayTransport = 'udp' | 'tcp' | 'tls';

/**
 * Chromium runs inside a client namespace through a wrapper used as the "executable": playwright
 * talks to it over inherited pipes, so the test process itself never touches the lab's network.
 * The wrapper merges every `--disable-features` switch into one (Chromium keeps only the last) and
 * adds WebRtcHideLocalIpsWithMdns, so host candidates are real addresses, not mDNS names that
 * would send multicast queries.
 */
function wrapper(lab: Lab, ns: string): string {
  const file = join(lab.dir, `chromium-${ns}.sh`);
  writeFileSync(
    file,
    `#!/bin/bash
features=WebRtcHideLocalIpsWithMdns
args=()
for a in "$@"; do
  case "$a" in
    --disable-features=*) features="$features,\${a#--disable-features=}" ;;
    *) args+=("$a") ;;
  esac
done
exec ip netns exec '${ns}' '${CHROMIUM}' "\${args[@]}" "--disable-features=$features"
`,
  );
  chmodSync(file, 0o755);
  return file;
}

export interface LabBrowser {
  ns: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function launchInNamespace(lab: Lab, ns: string, spki: string, extraArgs: string[] = []): Promise<LabBrowser> {
  // The loopback and resolver flags of the loopback-only e2e setup do not fit here: real addresses,
  // and resolve nothing except the lab's IP literals.
  const base = CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection' && !a.startsWith('--host-resolver-rules'));
  const args = [...base, `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${PUBLIC_HOSTS}`, `--ignore-certificate-errors-spki-list=${spki}`, ...extraArgs];
  const browser = await chromium.launch({ executablePath: wrapper(lab, ns), args, timeout: 30_000 });
  return {
    ns,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Installed before the app loads: records when each peer connection was made and connected, and optionally forces relay over one TURN transport. */
function instrument(relay: RelayTransport | null): void {
  interface Rec { createdMs: number; connectedMs?: number }
  const lab = { pcs: [] as Rec[] };
  (window as unknown as { __lab: typeof lab }).__lab = lab;
  const Native = window.RTCPeerConnection;
  const keep = (url: string): boolean =>
    relay === 'tls' ? url.startsWith('turns:') : url.startsWith('turn:') && url.endsWith(`?transport=${relay}`);
  class LabPeerConnection extends Native {
    constructor(config?: RTCConfiguration) {
      let c = config ?? {};
      if (relay) {
        const iceServers = (c.iceServers ?? [])
          .map((s) => ({ ...s, urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).filter(keep) }))
          .filter((s) => s.urls.length > 0);
        c = { ...c, iceServers, iceTransportPolicy: 'relay' };
      }
      super(c);
      const rec: Rec = { createdMs: performance.now() };
      lab.pcs.push(rec);
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected' && rec.connectedMs === undefined) rec.connectedMs = performance.now();
      });
    }
  }
  window.RTCPeerConnection = LabPeerConnection;
}

export interface LabParticipant {
  name: string;
  context: BrowserContext;
  page: Page;
  /** The SDK's log lines (`[parley] …` on the console), the last 200, with seconds since the page opened. */
  sdkLog: string[];
}

/** Opens the room page in the web app as a person would: name, Join, in the call. */
export async function joinRoom(browser: Browser, baseUrl: string, roomId: string, name: string, relay: RelayTransport | null = null, query = ''): Promise<LabParticipant> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 640, height: 480 } });
  // tsx/esbuild may compile named inner functions to `__name(fn, 'name')`, a helper that does not
  // exist in the page: give the page a no-op one before any serialized function runs there.
  await context.addInitScript({ content: 'globalThis.__name ??= (f) => f;' });
  await context.addInitScript(instrument, relay);
  const page = await context.newPage();
  const problems: string[] = [];
  const sdkLog: string[] = [];
  const opened = Date.now();
  page.on('console', (m) => {
    if (!m.text().startsWith('[parley]')) return;
    sdkLog.push(`${((Date.now() - opened) / 1000).toFixed(1)} s ${m.text().slice(9, 300)}`);
    if (sdkLog.length > 200) sdkLog.shift();
  });
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText ?? 'failed'}`));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  try {
    await page.goto(`${baseUrl}/r/${roomId}${query ? `?${query}` : ''}`, { timeout: 20_000 });
    await page.getByLabel('Your name').fill(name, { timeout: 15_000 });
    await page.getByRole('button', { name: 'Join' }).click();
    await page.waitForFunction(() => window.parley?.room.signal.state === 'connected', undefined, { timeout: 20_000 });
  } catch (err) {
    const text = await page.evaluate(() => document.body?.innerText.slice(0, 300)).catch(() => '?');
    await context.close().catch(() => undefined);
    throw new Error(`${name} could not join: ${(err as Error).message.split('\n')[0]} (page: ${JSON.stringify(text)}; ${problems.join('; ') || 'no failed requests'})`, { cause: err });
  }
  return { name, context, page, sdkLog };
}

export interface CandidateInfo {
  candidateType: string;
  protocol: string;
  /** For relay candidates: how this side reaches its TURN server (udp, tcp, tls). */
  relayProtocol?: string;
  address: string;
  port: number;
  url?: string;
}

export interface PathStats {
  connectionState: string;
  framesDecoded: number;
  local?: CandidateInfo;
  remote?: CandidateInfo;
  /** Peer connection created → connectionState `connected`, in ms. */
  connectMs?: number;
}

/** The selected candidate pair, decoded video frames and connect time of the page's one peer connection. */
export function pathStats(page: Page): Promise<PathStats | undefined> {
  return page.evaluate(async () => {
    const peer = [...(window.parley?.room.participants.values() ?? [])][0]?.peer;
    if (!peer) return undefined;
    const report = await peer.pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
    let framesDecoded = 0;
    let pair: Record<string, unknown> | undefined;
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += (s.framesDecoded as number) ?? 0;
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId as string);
    });
    const candidate = (id: unknown) => {
      const c = byId.get(id as string);
      if (!c) return undefined;
      return {
        candidateType: c.candidateType as string,
        protocol: c.protocol as string,
        ...(c.relayProtocol ? { relayProtocol: c.relayProtocol as string } : {}),
        address: (c.address ?? c.ip) as string,
        port: c.port as number,
        ...(c.url ? { url: c.url as string } : {}),
      };
    };
    const lab = (window as unknown as { __lab?: { pcs: Array<{ createdMs: number; connectedMs?: number }> } }).__lab;
    const rec = lab?.pcs[lab.pcs.length - 1];
    return {
      connectionState: peer.pc.connectionState,
      framesDecoded,
      ...(pair ? { local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) } : {}),
      ...(rec?.connectedMs !== undefined ? { connectMs: rec.connectedMs - rec.createdMs } : {}),
    };
  });
}
