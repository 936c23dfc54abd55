/**
 * Keeps a subscriber's layer choice from see-sawing on a link the estimate overshoots: an upgrade followed within
 * `failWindowMs` by a downgrade for bandwidth counts as failed, and further upgrades wait, 8 s after the first
 * failure, doubling up to 64 s; an upgrade that holds for `stableMs` clears the penalty. The SFU does not probe
 * with padding, so trying a layer is how it learns a link is not big enough: this bounds how often it tries.
 */
export class UpgradeGuard {
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #failWindowMs: number;
  readonly #stableMs: number;
  /** The last upgrade, until it failed or held long enough to clear the penalty. */
  #upgradeAt: number | undefined;
  #blockedUntil = -Infinity;
  #backoffMs: number;

  constructor(options: { initialBackoffMs?: number; maxBackoffMs?: number; failWindowMs?: number; stableMs?: number } = {}) {
    this.#initialBackoffMs = options.initialBackoffMs ?? 8000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 64_000;
    this.#failWindowMs = options.failWindowMs ?? 5000;
    this.#stableMs = options.stableMs ?? 30_000;
    this.#backoffMs = this.#initialBackoffMs;
  }

  canUpgrade(now: number): boolean {
    if (this.#upgradeAt !== undefined && now - this.#upgradeAt >= this.#stableMs) {
      this.#backoffMs = this.#initialBackoffMs;
      this.#upgradeAt = undefined;
    }
    return now >= this.#blockedUntil;
  }

  upgraded(now: number): void {
    this.#upgradeAt = now;
  }

  /** A layer went down because the estimate no longer allowed it. */
  downgraded(now: number): void {
    if (this.#upgradeAt === undefined || now - this.#upgradeAt > this.#failWindowMs) return;
    this.#blockedUntil = now + this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#maxBackoffMs);
    this.#upgradeAt = undefined;
  }
}
