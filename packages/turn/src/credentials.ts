import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the server needs to know about a username: its password and whom quotas count it against. */
export interface TurnUser {
  password: string;
  /** Allocations-per-user quotas count against this (REST usernames share it across expiries). */
  quotaKey: string;
}

/** Looks up the long-term password for a username (RFC 8489 §9.2); undefined when unknown or expired. */
export interface TurnCredentials {
  lookup(username: string): TurnUser | undefined;
}

/** Static long-term users: username → password. */
export class StaticUsers implements TurnCredentials {
  readonly #users: Map<string, string>;

  constructor(users: Record<string, string>) {
    this.#users = new Map(Object.entries(users));
  }

  lookup(username: string): TurnUser | undefined {
    const password = this.#users.get(username);
    return password === undefined ? undefined : { password, quotaKey: username };
  }
}

/** The TURN REST password (coturn `use-auth-secret`): base64(HMAC-SHA1(secret, username)). */
export function restPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/**
 * Time-limited credentials from a shared secret: username `expiry:user` (expiry in Unix
 * seconds; `expiry` alone is accepted too, like coturn), password restPassword(secret, username).
 */
export class RestSecretCredentials implements TurnCredentials {
  readonly #secret: string;
  readonly #now: () => number;

  constructor(secret: string, options: { now?: () => number } = {}) {
    if (secret.length === 0) throw new TypeError('the REST secret must not be empty');
    this.#secret = secret;
    this.#now = options.now ?? Date.now;
  }

  lookup(username: string): TurnUser | undefined {
    const sep = username.indexOf(':');
    const expiryText = sep < 0 ? username : username.slice(0, sep);
    if (!/^\d{1,12}$/.test(expiryText)) return undefined;
    if (Number(expiryText) * 1000 < this.#now()) return undefined;
    return { password: restPassword(this.#secret, username), quotaKey: sep < 0 ? username : username.slice(sep + 1) || username };
  }
}

/** Tries each store in turn. */
export class CombinedCredentials implements TurnCredentials {
  readonly #stores: TurnCredentials[];

  constructor(stores: TurnCredentials[]) {
    this.#stores = stores;
  }

  lookup(username: string): TurnUser | undefined {
    for (const s of this.#stores) {
      const user = s.lookup(username);
      if (user) return user;
    }
    return undefined;
  }
}

/**
 * Stateless nonces (RFC 8489 §9.2): the issue time and an HMAC of it under a per-process key.
 * A nonce older than `ttlMs`, or not ours, is stale (438): the client retries with the new one.
 */
export class NonceIssuer {
  readonly #key: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { key: Buffer; ttlMs: number; now?: () => number }) {
    this.#key = options.key;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  #mac(stamp: string): Buffer {
    return createHmac('sha256', this.#key).update(stamp).digest().subarray(0, 12);
  }

  issue(): string {
    const stamp = this.#now().toString(36);
    return `${stamp}.${this.#mac(stamp).toString('base64url')}`;
  }

  valid(nonce: string): boolean {
    const dot = nonce.indexOf('.');
    if (dot <= 0 || dot > 12) return false;
    const stamp = nonce.slice(0, dot);
    // Compare the text: base64 decoding would ignore trailing characters.
    const mac = Buffer.from(nonce.slice(dot + 1));
    const expected = Buffer.from(this.#mac(stamp).toString('base64url'));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return false;
    const issued = parseInt(stamp, 36);
    const age = this.#now() - issued;
    return Number.isFinite(issued) && age >= 0 && age < this.#ttlMs;
  }
}
