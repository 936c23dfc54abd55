import type { DataChannel, EndpointPeer } from '@parley/media';
import { DATA_CHANNEL_LABELS, DataFrameError, decodeDataFrame, encodeDataFrame, type DataFrame } from '@parley/protocol';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { TokenBucket } from './rate.ts';
import type { Room } from './room.ts';

export interface DataRelayOptions {
  /** Bytes per second one participant may send into the relay, sustained, and its burst. */
  rateBytesPerSecond: number;
  burstBytes: number;
  /** Reliable frames kept for a member whose reliable channel is not open yet (it is still connecting). */
  pendingBytes?: number;
  /** How long such a frame stays deliverable. */
  pendingMs?: number;
}

export type DataDropReason = 'malformed' | 'not_binary' | 'unknown_channel' | 'rate_limited' | 'unknown_destination' | 'no_channel' | 'buffer_full' | 'pending_full';

interface Pending {
  frames: Array<{ frame: Uint8Array; at: number }>;
  bytes: number;
}

interface Member {
  peer: EndpointPeer;
  reliable: DataChannel | undefined;
  lossy: DataChannel | undefined;
  bucket: TokenBucket;
}

/** One room's relay state: members on the SFU by participant id, and reliable frames waiting for a member's channel. */
interface RoomRelay {
  members: Map<string, Member>;
  pending: Map<string, Pending>;
}

/**
 * The room data relay: what a participant sends on its SFU data channels (`parley-data` reliable, `parley-data-lossy`
 * lossy) reaches the other participants of its room on their channel of the same kind, in a frame that names the
 * sender (protocol's data-frame.ts). Everything is checked at the edge: frames that do not parse, frames that claim a
 * sender, senders over their byte rate, and receivers whose buffers are full are dropped and counted.
 */
export class DataRelay {
  readonly #rooms = new WeakMap<Room, RoomRelay>();
  readonly #options: Required<DataRelayOptions>;
  readonly #metrics: Metrics;
  readonly #log: Logger;

  constructor(options: DataRelayOptions, metrics: Metrics, logger: Logger) {
    this.#options = { pendingBytes: 256 * 1024, pendingMs: 10_000, ...options };
    this.#metrics = metrics;
    this.#log = logger.child({ component: 'data-relay' });
  }

  /** The participant's SFU peer joins the room's relay (again, after a new connection); it leaves as the peer closes. */
  attach(room: Room, participantId: string, peer: EndpointPeer): void {
    const relay = this.#relayOf(room);
    if (relay.members.get(participantId)?.peer === peer) return;
    const member: Member = { peer, reliable: undefined, lossy: undefined, bucket: new TokenBucket(this.#options.rateBytesPerSecond, this.#options.burstBytes) };
    relay.members.set(participantId, member);
    for (const channel of peer.dataChannels.channels()) this.#opened(relay, participantId, member, channel);
    const events = peer.dataChannels.events;
    events.on('channelOpened', (channel) => this.#opened(relay, participantId, member, channel));
    events.on('channelClosed', (channel) => {
      if (member.reliable === channel) member.reliable = undefined;
      if (member.lossy === channel) member.lossy = undefined;
    });
    events.on('message', (channel, data, binary) => this.#onMessage(room, relay, participantId, member, channel, data, binary));
    peer.events.on('closed', () => {
      if (relay.members.get(participantId) === member) relay.members.delete(participantId);
    });
  }

  #relayOf(room: Room): RoomRelay {
    let relay = this.#rooms.get(room);
    if (!relay) this.#rooms.set(room, (relay = { members: new Map(), pending: new Map() }));
    return relay;
  }

  #opened(relay: RoomRelay, participantId: string, member: Member, channel: DataChannel): void {
    if (channel.label === DATA_CHANNEL_LABELS.reliable && channel.reliable) {
      member.reliable = channel;
      this.#flush(relay, participantId, channel);
    } else if (channel.label === DATA_CHANNEL_LABELS.lossy) {
      member.lossy = channel;
    }
  }

  #drop(reason: DataDropReason, n = 1): void {
    this.#metrics.dataDropped.inc({ reason }, n);
  }

  #onMessage(room: Room, relay: RoomRelay, from: string, member: Member, channel: DataChannel, data: Buffer, binary: boolean): void {
    const reliable = channel === member.reliable;
    if (!reliable && channel !== member.lossy) return this.#drop('unknown_channel');
    if (!binary) return this.#drop('not_binary');
    let frame: DataFrame;
    try {
      frame = decodeDataFrame(data);
    } catch (err) {
      if (!(err instanceof DataFrameError)) throw err;
      this.#log.debug({ room: room.id, participant: from, code: err.code }, 'data frame dropped');
      return this.#drop('malformed');
    }
    // The server names the sender; a client that names one is not speaking this protocol.
    if (frame.from !== '') return this.#drop('malformed');
    if (!member.bucket.take(data.length)) return this.#drop('rate_limited');
    this.#metrics.dataMessages.inc({ direction: 'in' });
    this.#metrics.dataBytes.inc({ direction: 'in' }, frame.payload.length);
    const out = encodeDataFrame({ from, to: [], text: frame.text, lossy: !reliable, payload: frame.payload });
    const targets = frame.to.length > 0 ? new Set(frame.to) : new Set(room.participants().map((p) => p.id));
    targets.delete(from);
    let delivered = 0;
    for (const id of targets) {
      // Only this room's participants: an id from another room is unknown here, as in signaling.
      if (!room.get(id)) {
        this.#drop('unknown_destination');
        continue;
      }
      const target = relay.members.get(id);
      const targetChannel = reliable ? target?.reliable : target?.lossy;
      if (targetChannel?.state === 'open') {
        if (targetChannel.send(out)) delivered++;
        else this.#drop('buffer_full');
      } else if (reliable) {
        if (this.#enqueue(room, relay, id, out)) delivered++;
      } else {
        this.#drop('no_channel');
      }
    }
    if (delivered > 0) {
      this.#metrics.dataMessages.inc({ direction: 'out' }, delivered);
      this.#metrics.dataBytes.inc({ direction: 'out' }, delivered * frame.payload.length);
    }
  }

  /** A reliable frame for a participant whose channel is still opening (a room that just moved to the SFU). */
  #enqueue(room: Room, relay: RoomRelay, participantId: string, frame: Uint8Array): boolean {
    // Whoever left the room before their channel opened will never read theirs.
    for (const id of relay.pending.keys()) if (!room.get(id)) relay.pending.delete(id);
    let pending = relay.pending.get(participantId);
    if (!pending) relay.pending.set(participantId, (pending = { frames: [], bytes: 0 }));
    const now = performance.now();
    while (pending.frames.length > 0 && now - (pending.frames[0]?.at ?? now) > this.#options.pendingMs) pending.bytes -= pending.frames.shift()?.frame.length ?? 0;
    if (pending.bytes + frame.length > this.#options.pendingBytes) {
      this.#drop('pending_full');
      return false;
    }
    pending.frames.push({ frame, at: now });
    pending.bytes += frame.length;
    return true;
  }

  #flush(relay: RoomRelay, participantId: string, channel: DataChannel): void {
    const pending = relay.pending.get(participantId);
    if (!pending) return;
    relay.pending.delete(participantId);
    const now = performance.now();
    for (const { frame, at } of pending.frames) {
      if (now - at > this.#options.pendingMs) this.#drop('no_channel');
      else if (!channel.send(frame)) this.#drop('buffer_full');
    }
  }
}

/** What the peers' data channel layers dropped (SCTP/DCEP input, size and channel limits, full send buffers), by reason. */
export function dataChannelDrops(peers: readonly EndpointPeer[]): Record<string, number> {
  const drops = { datachannel_invalid: 0, datachannel_oversized: 0, datachannel_channel_limit: 0, datachannel_send_refused: 0 };
  for (const { dataChannels: { stats } } of peers) {
    drops.datachannel_invalid += stats.malformedDcep + stats.unknownPpid + stats.notOpenDropped + stats.sctpErrors + stats.windowOverrun;
    drops.datachannel_oversized += stats.oversizedDropped;
    drops.datachannel_channel_limit += stats.channelLimit;
    drops.datachannel_send_refused += stats.outboundDropped;
  }
  return drops;
}
