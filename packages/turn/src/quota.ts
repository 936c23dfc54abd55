/** Allocation counts per user and in total (RFC 8656 §7.2: 486 Allocation Quota Reached). */
export interface QuotaOptions {
  /** Allocations one user may hold at once. */
  maxAllocationsPerUser: number;
  /** Allocations the server holds at once. */
  maxAllocations: number;
  /** Relayed bits per second per allocation, each direction; 0 = unlimited. */
  maxBitrateBps: number;
}

export const DEFAULT_QUOTA: QuotaOptions = { maxAllocationsPerUser: 10, maxAllocations: 10_000, maxBitrateBps: 0 };

export class AllocationQuota {
  readonly options: QuotaOptions;
  readonly #perUser = new Map<string, number>();
  #total = 0;

  constructor(options: Partial<QuotaOptions> = {}) {
    this.options = { ...DEFAULT_QUOTA, ...options };
  }

  get total(): number {
    return this.#total;
  }

  tryAcquire(user: string): boolean {
    const held = this.#perUser.get(user) ?? 0;
    if (held >= this.options.maxAllocationsPerUser || this.#total >= this.options.maxAllocations) return false;
    this.#perUser.set(user, held + 1);
    this.#total++;
    return true;
  }

  release(user: string): void {
    const held = this.#perUser.get(user) ?? 0;
    if (held <= 0) return;
    if (held === 1) this.#perUser.delete(user);
    else this.#perUser.set(user, held - 1);
    this.#total--;
  }

  /** A bucket for one allocation's bandwidth, or undefined when unlimited. */
  bucket(now: () => number): TokenBucket | undefined {
    const bytesPerS = this.options.maxBitrateBps / 8;
    return bytesPerS > 0 ? new TokenBucket(bytesPerS, Math.max(bytesPerS, 2048), now) : undefined;
  }
}

/** Bytes per second with a burst; packets over budget are dropped, never queued. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  take(n: number): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.ratePerS);
    this.#last = t;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
