import { randomBytes } from 'node:crypto';
import {
  Attr, StunDecodeError, StunMessageBuilder, StunMethod, decodeChannelData, decodeMessage, encodeChannelData, getAttribute,
  isChannelData, isComprehensionRequired, isKnownAttribute, encodeUnknownAttributes, readXorAddress, type DecodedStunMessage,
} from '@parley/stun';
import { Allocation, fiveTuple, type ClientConnection } from './allocation.ts';
import { authenticate, type Authenticated } from './authenticate.ts';
import { NonceIssuer, type TurnCredentials } from './credentials.ts';
import { silentLogger, type TurnLogger, type TurnMetricsSink } from './logger.ts';
import type { PeerAddressPolicy } from './policy.ts';
import { AllocationQuota, type QuotaOptions } from './quota.ts';
import type { RelayFactory, RelaySocket } from './relay.ts';
import { handleAllocate, handleChannelBind, handleCreatePermission, handleRefresh } from './requests.ts';

/** RFC 8656 §7.2, §9, §12: default and maximum lifetimes, in seconds. */
export interface TurnLifetimes {
  allocationS: number;
  maxAllocationS: number;
  permissionS: number;
  channelS: number;
}

export const DEFAULT_LIFETIMES: TurnLifetimes = { allocationS: 600, maxAllocationS: 3600, permissionS: 300, channelS: 600 };

export interface TurnServerOptions {
  realm: string;
  credentials: TurnCredentials;
  policy: PeerAddressPolicy;
  relay: RelayFactory;
  quota?: AllocationQuota | Partial<QuotaOptions>;
  lifetimes?: Partial<TurnLifetimes>;
  /** How long a nonce stays valid before 438 Stale Nonce. */
  nonceTtlS?: number;
  software?: string;
  logger?: TurnLogger;
  metrics?: TurnMetricsSink;
  /** How often expired allocations, permissions and channels are removed. */
  sweepIntervalMs?: number;
  now?: () => number;
}

export interface TurnStats {
  allocations: number;
  relayedToPeerBytes: number;
  relayedToClientBytes: number;
  dropped: number;
}

/** A reply context: the request, where it came from, and its credentials once authenticated. */
export interface RequestContext {
  conn: ClientConnection;
  msg: DecodedStunMessage;
  auth?: Authenticated;
}

/**
 * The TURN server logic (RFC 8656) over any transport: listeners feed it datagrams or stream
 * frames with `handle`; relay sockets, credentials, quotas and the peer policy are passed in.
 */
export class TurnServer {
  readonly realm: string;
  readonly credentials: TurnCredentials;
  readonly policy: PeerAddressPolicy;
  readonly relay: RelayFactory;
  readonly quota: AllocationQuota;
  readonly lifetimes: TurnLifetimes;
  readonly nonces: NonceIssuer;
  readonly log: TurnLogger;
  readonly now: () => number;
  readonly allocations = new Map<string, Allocation>();
  /** 5-tuples whose Allocate is binding a relay socket: retransmissions are ignored meanwhile. */
  readonly pending = new Set<string>();
  /** RFC 8656 §7.2, §14.9: odd relay ports held for a later Allocate with RESERVATION-TOKEN. */
  readonly #reservations = new Map<string, { socket: RelaySocket; expiresAt: number }>();
  readonly #software: string | undefined;
  readonly #metrics: TurnMetricsSink | undefined;
  readonly #sweep: NodeJS.Timeout;
  readonly #stats: TurnStats = { allocations: 0, relayedToPeerBytes: 0, relayedToClientBytes: 0, dropped: 0 };
  #closed = false;

  constructor(options: TurnServerOptions) {
    this.realm = options.realm;
    this.credentials = options.credentials;
    this.policy = options.policy;
    this.relay = options.relay;
    this.quota = options.quota instanceof AllocationQuota ? options.quota : new AllocationQuota(options.quota);
    this.lifetimes = { ...DEFAULT_LIFETIMES, ...options.lifetimes };
    this.now = options.now ?? Date.now;
    this.nonces = new NonceIssuer({ key: randomBytes(32), ttlMs: (options.nonceTtlS ?? 600) * 1000, now: this.now });
    this.log = options.logger ?? silentLogger;
    this.#software = options.software;
    this.#metrics = options.metrics;
    this.#sweep = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 1000);
    this.#sweep.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): TurnStats {
    return { ...this.#stats, allocations: this.allocations.size };
  }

  /** One datagram (UDP) or one frame (TCP/TLS, see StreamFramer) from a client. Never throws. */
  handle(data: Buffer, conn: ClientConnection): void {
    if (this.#closed) return;
    try {
      if (isChannelData(data)) this.#onChannelData(data, conn);
      else if (data.length >= 20 && ((data[0] as number) & 0xc0) === 0) this.#onStun(decodeMessage(data), conn);
      else this.#drop('not STUN or ChannelData', conn);
    } catch (err) {
      if (err instanceof StunDecodeError) this.#drop(err.code, conn);
      else this.log.error({ err, transport: conn.transport }, 'TURN: failed to handle a packet');
    }
  }

  /** A TCP/TLS connection ended: its allocation goes with it (RFC 8656 §5). */
  connectionClosed(conn: ClientConnection): void {
    const a = this.allocations.get(fiveTuple(conn));
    if (a) this.removeAllocation(a, 'connection closed');
  }

  #drop(reason: string, conn: ClientConnection): void {
    this.#stats.dropped++;
    this.log.debug({ reason, transport: conn.transport, remote: `${conn.remote.address}:${conn.remote.port}` }, 'TURN: dropped a packet');
  }

  #onStun(msg: DecodedStunMessage, conn: ClientConnection): void {
    if (msg.cls === 'indication') {
      if (msg.method === StunMethod.Send) this.#onSend(msg, conn);
      return; // Binding indications are keepalives; others are ignored (RFC 8489 §6.3.2)
    }
    if (msg.cls !== 'request') return this.#drop('response from a client', conn);
    const ctx: RequestContext = { conn, msg };
    // RFC 8489 §6.3.1: unknown comprehension-required attributes → 420 listing them.
    const unknown = msg.attributes.filter((a) => isComprehensionRequired(a.type) && !isKnownAttribute(a.type)).map((a) => a.type);
    if (unknown.length) return this.error(ctx, 420, (b) => b.add(Attr['UNKNOWN-ATTRIBUTES'], encodeUnknownAttributes([...new Set(unknown)])));
    if (msg.method === StunMethod.Binding) {
      this.success(ctx, (b) => b.xorAddress(Attr['XOR-MAPPED-ADDRESS'], conn.remote).address(Attr['MAPPED-ADDRESS'], conn.remote));
      return;
    }
    const handler = ({
      [StunMethod.Allocate]: handleAllocate,
      [StunMethod.Refresh]: handleRefresh,
      [StunMethod.CreatePermission]: handleCreatePermission,
      [StunMethod.ChannelBind]: handleChannelBind,
    } as Record<number, (server: TurnServer, ctx: RequestContext) => void | Promise<void>>)[msg.method];
    if (!handler) return this.error(ctx, 400);
    const auth = authenticate(msg, this.realm, this.credentials, this.nonces);
    if (!auth.ok) {
      if (auth.code === 401 && getAttribute(msg, Attr['MESSAGE-INTEGRITY'])) this.log.info({ remote: conn.remote.address, method: msg.method }, 'TURN: authentication failed');
      return this.error(ctx, auth.code, auth.challenge ? (b) => b.text(Attr.REALM, this.realm).text(Attr.NONCE, this.nonces.issue()) : undefined);
    }
    ctx.auth = auth;
    const run = async (): Promise<void> => {
      try {
        await handler(this, ctx);
      } catch (err) {
        if (err instanceof StunDecodeError) this.error(ctx, 400);
        else {
          this.log.error({ err, method: msg.method }, 'TURN: request failed');
          this.error(ctx, 500);
        }
      }
    };
    void run();
  }

  #reply(ctx: RequestContext, cls: 'success' | 'error', build?: (b: StunMessageBuilder) => void): Buffer {
    const b = new StunMessageBuilder(ctx.msg.method, cls, ctx.msg.transactionId);
    build?.(b);
    if (this.#software) b.text(Attr.SOFTWARE, this.#software);
    const auth = ctx.auth;
    const out = b.encode({
      ...(auth ? (auth.sha256 ? { integritySha256: auth.key } : { integrity: auth.key }) : {}),
      fingerprint: getAttribute(ctx.msg, Attr.FINGERPRINT) !== undefined,
    });
    this.sendToClient(ctx.conn, out);
    return out;
  }

  /** Sends a success response (signed when the request was) and returns its bytes. */
  success(ctx: RequestContext, build?: (b: StunMessageBuilder) => void): Buffer {
    return this.#reply(ctx, 'success', build);
  }

  error(ctx: RequestContext, code: number, build?: (b: StunMessageBuilder) => void): void {
    this.#metrics?.error(code);
    this.log.debug({ code, method: ctx.msg.method, remote: ctx.conn.remote.address }, 'TURN: error response');
    this.#reply(ctx, 'error', (b) => {
      b.errorCode(code);
      build?.(b);
    });
  }

  sendToClient(conn: ClientConnection, data: Buffer): void {
    try {
      conn.send(data);
    } catch (err) {
      this.log.debug({ err }, 'TURN: send to client failed');
    }
  }

  addAllocation(a: Allocation): void {
    this.allocations.set(a.key, a);
    a.relay.onMessage((data, from) => this.#onPeerData(a, data, from));
    this.#metrics?.allocations(this.allocations.size);
    this.log.debug({ user: a.quotaKey, relayed: `${a.relayed.address}:${a.relayed.port}`, transport: a.conn.transport }, 'TURN: allocation created');
  }

  removeAllocation(a: Allocation, reason: string): void {
    if (this.allocations.get(a.key) !== a) return;
    this.allocations.delete(a.key);
    a.close();
    this.quota.release(a.quotaKey);
    this.#metrics?.allocations(this.allocations.size);
    this.log.debug({ user: a.quotaKey, reason }, 'TURN: allocation removed');
  }

  /** Client → peer through a Send indication (RFC 8656 §10.2). No response, ever. */
  #onSend(msg: DecodedStunMessage, conn: ClientConnection): void {
    const a = this.allocations.get(fiveTuple(conn));
    if (!a) return this.#drop('Send without an allocation', conn);
    const peer = readXorAddress(msg, Attr['XOR-PEER-ADDRESS']);
    const data = getAttribute(msg, Attr.DATA);
    if (!peer || !data) return this.#drop('Send without XOR-PEER-ADDRESS or DATA', conn);
    this.#toPeer(a, peer, data, conn);
  }

  /** Client → peer through a channel (RFC 8656 §12.6). */
  #onChannelData(buf: Buffer, conn: ClientConnection): void {
    const a = this.allocations.get(fiveTuple(conn));
    if (!a) return this.#drop('ChannelData without an allocation', conn);
    const { channel, data } = decodeChannelData(buf);
    const binding = a.channels.get(channel);
    if (!binding || binding.expiresAt <= this.now()) return this.#drop('ChannelData on an unbound channel', conn);
    this.#toPeer(a, binding.peer, data, conn);
  }

  #toPeer(a: Allocation, peer: { address: string; port: number }, data: Buffer, conn: ClientConnection): void {
    const now = this.now();
    if (!a.hasPermission(peer.address, now)) return this.#drop('no permission for the peer', conn);
    if (this.policy.check(peer.address, peer.port) === 'deny') return this.#drop('peer refused by policy', conn);
    if (a.toPeer && !a.toPeer.take(data.length)) return this.#drop('over the bandwidth quota', conn);
    a.relay.send(data, peer.port, peer.address);
    this.#stats.relayedToPeerBytes += data.length;
    this.#metrics?.relayed('toPeer', data.length);
  }

  /** Peer → client (RFC 8656 §10.3, §12.6): only from peers with a permission. */
  #onPeerData(a: Allocation, data: Buffer, from: { address: string; port: number }): void {
    if (this.#closed || a.closed) return;
    const now = this.now();
    if (!a.hasPermission(from.address, now)) {
      this.#stats.dropped++;
      return;
    }
    if (a.toClient && !a.toClient.take(data.length)) {
      this.#stats.dropped++;
      return;
    }
    const binding = a.channelForPeer(from, now);
    let out: Buffer;
    if (binding) out = encodeChannelData(binding.channel, data, { pad: a.conn.transport !== 'udp' });
    else {
      out = new StunMessageBuilder(StunMethod.Data, 'indication')
        .xorAddress(Attr['XOR-PEER-ADDRESS'], from)
        .add(Attr.DATA, data)
        .encode();
    }
    this.sendToClient(a.conn, out);
    this.#stats.relayedToClientBytes += data.length;
    this.#metrics?.relayed('toClient', data.length);
  }

  /**
   * EVEN-PORT with R set (RFC 8656 §7.2): an even relay port for this allocation and the next
   * port held for 30 s under a fresh RESERVATION-TOKEN (bounded tries).
   */
  async reservePair(family: 'IPv4' | 'IPv6'): Promise<[RelaySocket, Buffer]> {
    for (let i = 0; i < 10; i++) {
      const even = await this.relay({ family, evenPort: true });
      try {
        const odd = await this.relay({ family, evenPort: false, port: even.port + 1 });
        const token = randomBytes(8);
        this.#reservations.set(token.toString('hex'), { socket: odd, expiresAt: this.now() + 30_000 });
        return [even, token];
      } catch {
        even.close();
      }
    }
    throw Object.assign(new Error('no free even/odd relay port pair'), { code: 'EADDRINUSE' });
  }

  takeReservation(token: Buffer): RelaySocket | undefined {
    const key = token.toString('hex');
    const r = this.#reservations.get(key);
    this.#reservations.delete(key);
    if (r && r.expiresAt > this.now()) return r.socket;
    r?.socket.close();
    return undefined;
  }

  /** Removes expired allocations, permissions and channels (bounded by their number). */
  sweep(): void {
    const now = this.now();
    for (const [k, r] of this.#reservations) {
      if (r.expiresAt > now) continue;
      r.socket.close();
      this.#reservations.delete(k);
    }
    for (const a of [...this.allocations.values()]) {
      if (a.expiresAt <= now) this.removeAllocation(a, 'expired');
      else a.sweep(now);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const a of [...this.allocations.values()]) this.removeAllocation(a, 'server closing');
    for (const r of this.#reservations.values()) r.socket.close();
    this.#reservations.clear();
  }
}
