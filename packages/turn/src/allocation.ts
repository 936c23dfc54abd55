import type { TransportAddress } from '@parley/stun';
import type { RelaySocket } from './relay.ts';
import type { TokenBucket } from './quota.ts';

export type ClientTransport = 'udp' | 'tcp' | 'tls';

/** One client-side connection or UDP source: where responses and relayed data go. */
export interface ClientConnection {
  readonly transport: ClientTransport;
  readonly remote: { address: string; port: number };
  readonly local: { address: string; port: number };
  send(data: Buffer): void;
  /** Stream transports: true once the connection has ended. */
  readonly closed?: boolean;
}

/** RFC 8656 §2: the 5-tuple that names an allocation. */
export function fiveTuple(conn: ClientConnection): string {
  return `${conn.transport}|${conn.remote.address}|${conn.remote.port}|${conn.local.address}|${conn.local.port}`;
}

export interface ChannelBinding {
  channel: number;
  peer: { address: string; port: number };
  expiresAt: number;
}

/** RFC 8656 §5: an allocation with its permissions (§9) and channel bindings (§12). */
export class Allocation {
  readonly key: string;
  /** Requests on this allocation must come from the same user (RFC 8656 §5: 441). */
  readonly username: string;
  readonly quotaKey: string;
  readonly relayed: TransportAddress;
  expiresAt: number;
  /** Peer IP → expiry (ms). Permissions are per IP address, ports ignored (§9). */
  readonly permissions = new Map<string, number>();
  readonly channels = new Map<number, ChannelBinding>();
  readonly #channelByPeer = new Map<string, ChannelBinding>();
  /** The Allocate transaction and its success response, resent for a retransmission (§7.2). */
  readonly transactionId: Buffer;
  response: Buffer | undefined;
  readonly toPeer: TokenBucket | undefined;
  readonly toClient: TokenBucket | undefined;
  #closed = false;

  constructor(
    readonly conn: ClientConnection,
    readonly relay: RelaySocket,
    options: { username: string; quotaKey: string; expiresAt: number; transactionId: Buffer; buckets: [TokenBucket | undefined, TokenBucket | undefined] },
  ) {
    this.key = fiveTuple(conn);
    this.username = options.username;
    this.quotaKey = options.quotaKey;
    this.expiresAt = options.expiresAt;
    this.transactionId = options.transactionId;
    this.relayed = { address: relay.address, port: relay.port, family: relay.address.includes(':') ? 'IPv6' : 'IPv4' };
    [this.toPeer, this.toClient] = options.buckets;
  }

  get closed(): boolean {
    return this.#closed;
  }

  hasPermission(ip: string, now: number): boolean {
    const exp = this.permissions.get(ip);
    return exp !== undefined && exp > now;
  }

  channelForPeer(peer: { address: string; port: number }, now: number): ChannelBinding | undefined {
    const b = this.#channelByPeer.get(`${peer.address}|${peer.port}`);
    return b && b.expiresAt > now ? b : undefined;
  }

  /** Binds or refreshes; false when the number or the peer is bound to something else (§11.2). */
  bindChannel(channel: number, peer: { address: string; port: number }, expiresAt: number): boolean {
    const existing = this.channels.get(channel);
    const byPeer = this.#channelByPeer.get(`${peer.address}|${peer.port}`);
    if (existing && (existing.peer.address !== peer.address || existing.peer.port !== peer.port)) return false;
    if (byPeer && byPeer.channel !== channel) return false;
    const binding = existing ?? { channel, peer: { address: peer.address, port: peer.port }, expiresAt };
    binding.expiresAt = expiresAt;
    this.channels.set(channel, binding);
    this.#channelByPeer.set(`${peer.address}|${peer.port}`, binding);
    return true;
  }

  /** Drops expired permissions and channels. */
  sweep(now: number): void {
    for (const [ip, exp] of this.permissions) if (exp <= now) this.permissions.delete(ip);
    for (const [n, b] of this.channels) {
      if (b.expiresAt > now) continue;
      this.channels.delete(n);
      this.#channelByPeer.delete(`${b.peer.address}|${b.peer.port}`);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.relay.close();
    this.permissions.clear();
    this.channels.clear();
    this.#channelByPeer.clear();
  }
}
