/** The largest tile size the protocol accepts (`sfuPreference`), in device pixels. */
export const MAX_VIDEO_SIZE = 8192;

export interface SizeThrottleOptions {
  /** Sends one size for one key (a producer id). */
  send(key: string, width: number, height: number): void;
  /** Least time between two sends for one key. Default 500 ms (at most ~2 per second). */
  intervalMs?: number;
  /**
   * How long "hidden" (0×0) waits before it is sent, so that a tile moving between layouts (unmounted,
   * then mounted again at once) does not pause the stream. Default 1000 ms.
   */
  hideDelayMs?: number;
  now?: () => number;
}

interface KeyState {
  sent: { width: number; height: number } | undefined;
  sentAt: number;
  pending: { width: number; height: number } | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const clamp = (v: number) => (Number.isFinite(v) ? Math.min(MAX_VIDEO_SIZE, Math.max(0, Math.round(v))) : 0);

/** Sends a size per key only when it changed, at most once per interval, always ending on the latest value. */
export class SizeThrottle {
  readonly #options: Required<Omit<SizeThrottleOptions, 'now'>> & { now: () => number };
  readonly #keys = new Map<string, KeyState>();

  constructor(options: SizeThrottleOptions) {
    this.#options = { intervalMs: 500, hideDelayMs: 1000, now: () => Date.now(), ...options };
  }

  update(key: string, width: number, height: number): void {
    let w = clamp(width);
    let h = clamp(height);
    if (w === 0 || h === 0) w = h = 0;
    let s = this.#keys.get(key);
    if (!s) this.#keys.set(key, (s = { sent: undefined, sentAt: -Infinity, pending: undefined, timer: undefined }));
    clearTimeout(s.timer);
    s.timer = undefined;
    if (s.sent && s.sent.width === w && s.sent.height === h) {
      s.pending = undefined;
      return;
    }
    s.pending = { width: w, height: h };
    const now = this.#options.now();
    let due = s.sentAt + this.#options.intervalMs;
    if (w === 0) due = Math.max(due, now + this.#options.hideDelayMs);
    if (due <= now) this.#flush(key, s);
    else s.timer = setTimeout(() => this.#flush(key, s), due - now);
  }

  #flush(key: string, s: KeyState): void {
    s.timer = undefined;
    const p = s.pending;
    if (!p) return;
    s.pending = undefined;
    s.sent = p;
    s.sentAt = this.#options.now();
    this.#options.send(key, p.width, p.height);
  }

  /** The size last sent for a key (undefined: none yet). */
  sent(key: string): { width: number; height: number } | undefined {
    return this.#keys.get(key)?.sent;
  }

  /** Forgets a key (its producer ended): nothing pending for it is sent. */
  forget(key: string): void {
    clearTimeout(this.#keys.get(key)?.timer);
    this.#keys.delete(key);
  }

  close(): void {
    for (const key of [...this.#keys.keys()]) this.forget(key);
  }
}
