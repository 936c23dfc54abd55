import {
  Attr, CHANNEL_MAX_RFC5766, CHANNEL_MIN, FAMILY_IPV4, FAMILY_IPV6, TRANSPORT_UDP, decodeChannelNumber, decodeEvenPort, decodeLifetime,
  decodeRequestedAddressFamily, decodeRequestedTransport, decodeReservationToken, decodeXorAddress, getAttribute, getAttributes, encodeUnknownAttributes,
  type TransportAddress,
} from '@parley/stun';
import { Allocation, fiveTuple } from './allocation.ts';
import type { RelaySocket } from './relay.ts';
import type { RequestContext, TurnServer } from './server.ts';

/** The requested lifetime clamped as RFC 8656 §7.2 says: at least the default, at most the maximum. */
function lifetimeOf(server: TurnServer, ctx: RequestContext): number {
  const v = getAttribute(ctx.msg, Attr.LIFETIME);
  const { allocationS, maxAllocationS } = server.lifetimes;
  if (!v) return allocationS;
  const asked = decodeLifetime(v);
  return asked === 0 ? 0 : Math.min(Math.max(asked, allocationS), maxAllocationS);
}

/** The allocation of this 5-tuple, answering 437 (none) or 441 (another user's) otherwise. */
function ownAllocation(server: TurnServer, ctx: RequestContext): Allocation | undefined {
  const a = server.allocations.get(fiveTuple(ctx.conn));
  if (!a) {
    server.error(ctx, 437);
    return undefined;
  }
  if (a.username !== ctx.auth?.username) {
    server.error(ctx, 441);
    return undefined;
  }
  return a;
}

/** RFC 8656 §7.2: Allocate. */
export async function handleAllocate(server: TurnServer, ctx: RequestContext): Promise<void> {
  const { msg, conn, auth } = ctx;
  if (!auth) return;
  const key = fiveTuple(conn);
  const existing = server.allocations.get(key);
  if (existing) {
    // A retransmission of the request that created it gets the same answer; anything else is 437.
    if (existing.transactionId.equals(msg.transactionId) && existing.response) return server.sendToClient(conn, existing.response);
    return server.error(ctx, 437);
  }
  if (server.pending.has(key)) return;
  const transport = getAttribute(msg, Attr['REQUESTED-TRANSPORT']);
  if (!transport) return server.error(ctx, 400);
  if (decodeRequestedTransport(transport) !== TRANSPORT_UDP) return server.error(ctx, 442);
  // §7.2: we cannot set DF on relayed datagrams, so DONT-FRAGMENT is an unknown attribute.
  if (getAttribute(msg, Attr['DONT-FRAGMENT'])) return server.error(ctx, 420, (b) => b.add(Attr['UNKNOWN-ATTRIBUTES'], encodeUnknownAttributes([Attr['DONT-FRAGMENT']])));
  const evenPort = getAttribute(msg, Attr['EVEN-PORT']);
  const token = getAttribute(msg, Attr['RESERVATION-TOKEN']);
  if (token && (evenPort || getAttribute(msg, Attr['REQUESTED-ADDRESS-FAMILY']))) return server.error(ctx, 400);
  const even = evenPort ? decodeEvenPort(evenPort) : undefined;
  const familyAttr = getAttribute(msg, Attr['REQUESTED-ADDRESS-FAMILY']);
  const familyCode = familyAttr ? decodeRequestedAddressFamily(familyAttr) : FAMILY_IPV4;
  if (familyCode !== FAMILY_IPV4 && familyCode !== FAMILY_IPV6) return server.error(ctx, 440);
  const reserved = token ? server.takeReservation(decodeReservationToken(token)) : undefined;
  if (token && !reserved) return server.error(ctx, 508);
  const lifetimeS = lifetimeOf(server, ctx);
  if (!server.quota.tryAcquire(auth.quotaKey)) {
    reserved?.close();
    server.log.info({ user: auth.quotaKey }, 'TURN: allocation quota reached');
    return server.error(ctx, 486);
  }
  server.pending.add(key);
  let relay: RelaySocket;
  let newToken: Buffer | undefined;
  try {
    if (reserved) relay = reserved;
    else if (even?.reserveNext) [relay, newToken] = await server.reservePair(familyCode === FAMILY_IPV6 ? 'IPv6' : 'IPv4');
    else relay = await server.relay({ family: familyCode === FAMILY_IPV6 ? 'IPv6' : 'IPv4', evenPort: even !== undefined });
  } catch (err) {
    server.quota.release(auth.quotaKey);
    const code = (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT' ? 440 : 508;
    if (code === 508) server.log.warn({ err }, 'TURN: no relay socket');
    return server.error(ctx, code);
  } finally {
    server.pending.delete(key);
  }
  if (conn.closed || server.closed) {
    relay.close();
    server.quota.release(auth.quotaKey);
    return;
  }
  const now = server.now();
  const a = new Allocation(conn, relay, {
    username: auth.username,
    quotaKey: auth.quotaKey,
    expiresAt: now + Math.max(lifetimeS, 1) * 1000,
    transactionId: msg.transactionId,
    buckets: [server.quota.bucket(server.now), server.quota.bucket(server.now)],
  });
  server.addAllocation(a);
  a.response = server.success(ctx, (b) =>
    {
      b.xorAddress(Attr['XOR-RELAYED-ADDRESS'], a.relayed).uint32(Attr.LIFETIME, lifetimeS).xorAddress(Attr['XOR-MAPPED-ADDRESS'], conn.remote);
      if (newToken) b.add(Attr['RESERVATION-TOKEN'], newToken);
    },
  );
}

/** RFC 8656 §8: Refresh (LIFETIME 0 deletes). */
export function handleRefresh(server: TurnServer, ctx: RequestContext): void {
  const a = ownAllocation(server, ctx);
  if (!a) return;
  const familyAttr = getAttribute(ctx.msg, Attr['REQUESTED-ADDRESS-FAMILY']);
  if (familyAttr && (decodeRequestedAddressFamily(familyAttr) === FAMILY_IPV6) !== (a.relayed.family === 'IPv6')) return server.error(ctx, 443);
  const lifetimeS = lifetimeOf(server, ctx);
  if (lifetimeS === 0) server.removeAllocation(a, 'refreshed to 0');
  else a.expiresAt = server.now() + lifetimeS * 1000;
  server.success(ctx, (b) => b.uint32(Attr.LIFETIME, lifetimeS));
}

/** Checks one XOR-PEER-ADDRESS for a permission or channel; answers the error and returns undefined when refused. */
function acceptPeer(server: TurnServer, ctx: RequestContext, a: Allocation, peer: TransportAddress): boolean {
  if (peer.family !== a.relayed.family) {
    server.error(ctx, 443);
    return false;
  }
  if (server.policy.check(peer.address, peer.port) === 'deny') {
    server.log.info({ user: a.quotaKey, peer: peer.address }, 'TURN: peer address refused');
    server.error(ctx, 403);
    return false;
  }
  return true;
}

/** RFC 8656 §9: CreatePermission — all peers are checked before any is installed. */
export function handleCreatePermission(server: TurnServer, ctx: RequestContext): void {
  const a = ownAllocation(server, ctx);
  if (!a) return;
  const peers = getAttributes(ctx.msg, Attr['XOR-PEER-ADDRESS']).map((v) => decodeXorAddress(v, ctx.msg.transactionId));
  if (peers.length === 0) return server.error(ctx, 400);
  for (const p of peers) if (!acceptPeer(server, ctx, a, p)) return;
  const expiresAt = server.now() + server.lifetimes.permissionS * 1000;
  for (const p of peers) a.permissions.set(p.address, expiresAt);
  server.success(ctx);
}

/** RFC 8656 §11: ChannelBind — binds (or refreshes) a channel and refreshes the peer's permission. */
export function handleChannelBind(server: TurnServer, ctx: RequestContext): void {
  const a = ownAllocation(server, ctx);
  if (!a) return;
  const numberAttr = getAttribute(ctx.msg, Attr['CHANNEL-NUMBER']);
  const peers = getAttributes(ctx.msg, Attr['XOR-PEER-ADDRESS']);
  if (!numberAttr || peers.length !== 1) return server.error(ctx, 400);
  const channel = decodeChannelNumber(numberAttr);
  if (channel < CHANNEL_MIN || channel > CHANNEL_MAX_RFC5766) return server.error(ctx, 400);
  const peer = decodeXorAddress(peers[0] as Buffer, ctx.msg.transactionId);
  if (!acceptPeer(server, ctx, a, peer)) return;
  const now = server.now();
  if (!a.bindChannel(channel, peer, now + server.lifetimes.channelS * 1000)) return server.error(ctx, 400);
  a.permissions.set(peer.address, Math.max(a.permissions.get(peer.address) ?? 0, now + server.lifetimes.permissionS * 1000));
  server.success(ctx);
}
