import type { ErrorCode } from '@parley/protocol';
import { ParleyError } from './errors.ts';
import { NegotiationQueue } from './sfu/negotiation-queue.ts';

export interface ServerPeerOptions {
  configuration: RTCConfiguration;
  /** In logs: whose connection this is ('SFU', 'MCU'). */
  label: string;
  /** One negotiation: offer, send it, apply the answer (rolling back on failure). Runs one at a time. */
  exchange(pc: RTCPeerConnection): Promise<void>;
  /** Codes after which a retry would fail the same way (no such service, wrong room, no grant). */
  finalCodes: readonly ErrorCode[];
  onConnectionStateChange(state: RTCPeerConnectionState): void;
  /** Delay before retrying a failed negotiation (times the failure count). Default 1000 ms. */
  retryDelayMs?: number;
  log?: (message: string, detail?: unknown) => void;
}

/** Consecutive failed negotiations after which the connection counts as failed (`gaveUp`) and retries slow down. */
const MAX_RETRIES = 3;
/** After MAX_RETRIES, tries again this long after the last failure, doubling up to SLOW_RETRY_MAX_MS. */
export const SLOW_RETRY_MS = 5000;
export const SLOW_RETRY_MAX_MS = 30_000;

/**
 * One RTCPeerConnection to the server, where we always offer (the SFU's and the MCU's): made with BUNDLE and
 * rtcp-mux, negotiations run one at a time (changes meanwhile share the next offer), a failed one is retried with a
 * growing delay unless the server's answer says it cannot work: a few times quickly, then every 5–30 s for as long as
 * it fails. Giving up for good on a failure that may pass (a signaling request timing out behind a full link) left a
 * subscription unnegotiated until the next unrelated change: a participant's video never shown.
 */
export class ServerPeer {
  readonly pc: RTCPeerConnection;
  readonly #options: ServerPeerOptions;
  readonly #queue: NegotiationQueue;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #gaveUp = false;

  constructor(options: ServerPeerOptions) {
    this.#options = options;
    this.pc = new RTCPeerConnection({ ...options.configuration, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.pc.onconnectionstatechange = () => options.onConnectionStateChange(this.pc.connectionState);
    this.#queue = new NegotiationQueue(() => this.#run(), (error) => this.#onFailure(error));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The last negotiations failed: for good (a final error code), or MAX_RETRIES times in a row (slower retries go on). */
  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  /** Resolves once every change made so far is negotiated (or failed). */
  negotiate(): Promise<void> {
    return this.#queue.request();
  }

  restartIce(): void {
    if (this.#closed) return;
    this.#options.log?.(`${this.#options.label}: ICE restart`);
    this.pc.restartIce();
    void this.negotiate();
  }

  /** Back to the last agreed state after a failed exchange (the next offer carries the changes again). */
  async rollback(): Promise<void> {
    if (!this.#closed && this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
  }

  async #run(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    this.#gaveUp = false;
    await this.#options.exchange(this.pc);
    this.#failures = 0;
  }

  #onFailure(error: unknown): void {
    if (this.#closed) return;
    this.#failures++;
    this.#options.log?.(`${this.#options.label} negotiation failed (${this.#failures})`, error);
    const code = error instanceof ParleyError ? error.code : undefined;
    if (code !== undefined && (this.#options.finalCodes as readonly string[]).includes(code)) {
      this.#gaveUp = true;
      return;
    }
    const slow = this.#failures >= MAX_RETRIES;
    if (slow) this.#gaveUp = true;
    const delay = slow ? Math.min(SLOW_RETRY_MAX_MS, SLOW_RETRY_MS * 2 ** (this.#failures - MAX_RETRIES)) : (this.#options.retryDelayMs ?? 1000) * this.#failures;
    this.#retry = setTimeout(() => void this.negotiate(), delay);
  }

  /** Stops negotiating and closes the connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#queue.close();
    this.pc.onconnectionstatechange = null;
    this.pc.ontrack = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
  }
}
