import { waitUntil } from '../support/browser.ts';
import { joinRoom, pathStats, type CandidateInfo, type LabBrowser, type LabParticipant, type PathStats, type RelayTransport } from './chromium.ts';

/** How one side's media leaves it: `relay/tls`, `srflx`, `prflx`, `host`. */
export function describeCandidate(c: CandidateInfo | undefined): string {
  if (!c) return '?';
  return c.candidateType === 'relay' ? `relay/${c.relayProtocol ?? c.protocol}` : c.candidateType;
}

export interface CallResult {
  /** `relay` when either side's selected local candidate is a TURN relay, else `direct`. */
  path: 'direct' | 'relay';
  a: PathStats;
  b: PathStats;
  /** The slower side's peer connection creation → `connected`, in ms. */
  connectMs: number;
}

function connected(s: PathStats | undefined): s is PathStats & { local: CandidateInfo } {
  return s !== undefined && s.connectionState === 'connected' && s.framesDecoded > 0 && s.local !== undefined;
}

/**
 * A 2-party call between two browsers (each in its own client namespace) through the web app: both
 * join one room, then wait until each decodes the other's video and keeps decoding (frames rise over
 * `windowMs`). Both pages are closed afterwards, also on failure.
 */
export async function runCall(
  a: LabBrowser,
  b: LabBrowser,
  options: { baseUrl: string; room: string; relay?: RelayTransport; timeoutMs?: number; windowMs?: number },
): Promise<CallResult> {
  const open: LabParticipant[] = [];
  try {
    open.push(await joinRoom(a.browser, options.baseUrl, options.room, 'Alice', options.relay ?? null));
    open.push(await joinRoom(b.browser, options.baseUrl, options.room, 'Bob', options.relay ?? null));
    const [pa, pb] = open as [LabParticipant, LabParticipant];
    const first = await waitUntil(
      async () => {
        const [sa, sb] = await Promise.all([pathStats(pa.page), pathStats(pb.page)]);
        return connected(sa) && connected(sb) ? [sa, sb] as const : undefined;
      },
      options.timeoutMs ?? 30_000,
      'both sides to connect and decode video',
      100,
    );
    await new Promise((r) => setTimeout(r, options.windowMs ?? 1000));
    const [sa, sb] = await Promise.all([pathStats(pa.page), pathStats(pb.page)]);
    if (!connected(sa) || !connected(sb)) throw new Error(`call dropped: ${JSON.stringify({ a: sa, b: sb })}`);
    if (sa.framesDecoded <= first[0].framesDecoded || sb.framesDecoded <= first[1].framesDecoded) {
      throw new Error(`video stalled: Alice ${first[0].framesDecoded}→${sa.framesDecoded}, Bob ${first[1].framesDecoded}→${sb.framesDecoded} frames`);
    }
    const path = sa.local.candidateType === 'relay' || sb.local.candidateType === 'relay' ? 'relay' : 'direct';
    return { path, a: sa, b: sb, connectMs: Math.max(sa.connectMs ?? NaN, sb.connectMs ?? NaN) };
  } finally {
    for (const p of open) await p.context.close().catch(() => undefined);
  }
}

/** Browsers launched on first use, one per client namespace, kept for the whole file. */
export class BrowserPool {
  readonly #browsers = new Map<string, Promise<LabBrowser>>();
  readonly #launch: (ns: string) => Promise<LabBrowser>;

  constructor(launch: (ns: string) => Promise<LabBrowser>) {
    this.#launch = launch;
  }

  get(ns: string): Promise<LabBrowser> {
    let b = this.#browsers.get(ns);
    if (!b) {
      b = this.#launch(ns);
      this.#browsers.set(ns, b);
    }
    return b;
  }

  async closeAll(): Promise<void> {
    const all = [...this.#browsers.values()];
    this.#browsers.clear();
    await Promise.all(all.map(async (b) => (await b.catch(() => undefined))?.close()));
  }
}
