import { SCTP } from 'werift-sctp';
import { TypedEmitter } from '../endpoint/events.ts';
import { DataChannel, type DataChannelOwner } from './data-channel.ts';
import { DcepError, Ppid, encodeDcepAck, encodeDcepOpen, parseDcep, type DataChannelParameters } from './dcep.ts';

/** RFC 8841 §5: the SCTP port WebRTC uses unless a=sctp-port says otherwise; ours, always. */
export const SCTP_PORT = 5000;
/** werift-sctp puts at most this many payload bytes in one DATA chunk (its USERDATA_MAX_LENGTH). */
const CHUNK_PAYLOAD_BYTES = 1200;
/** werift-sctp advertises this receive window (a_rwnd); a peer far past it ignores flow control (RFC 9260 §6.1). */
const ADVERTISED_WINDOW_BYTES = 1024 * 1024;

export interface DataChannelLimits {
  /** Open channels per peer; further DATA_CHANNEL_OPENs are refused (the stream is reset). */
  maxChannels: number;
  /** Inbound and outbound messages above this are dropped; the SDP announces it (a=max-message-size, RFC 8841 §6). */
  maxMessageBytes: number;
  /**
   * Outbound bytes queued in SCTP and not yet sent, counted in DATA chunks of up to 1200 bytes (a small message
   * takes a whole chunk): a send beyond it is dropped, so a slow receiver cannot grow our memory.
   */
  maxBufferedBytes: number;
}

export const DEFAULT_DATA_CHANNEL_LIMITS: DataChannelLimits = { maxChannels: 16, maxMessageBytes: 64 * 1024, maxBufferedBytes: 4 * 1024 * 1024 };

export interface DataChannelStats {
  channelsOpened: number;
  channelsClosed: number;
  /** DATA_CHANNEL_OPENs refused because the peer has maxChannels open. */
  channelLimit: number;
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  /** Inbound messages over maxMessageBytes. */
  oversizedDropped: number;
  /** DCEP messages that do not parse, or that break its rules (wrong stream parity, a second OPEN). */
  malformedDcep: number;
  /** Messages with a PPID that is not DCEP, string, binary or empty. */
  unknownPpid: number;
  /** Messages on a stream no DATA_CHANNEL_OPEN announced. */
  notOpenDropped: number;
  /** Sends refused: too large, the outbound buffer full, or no association yet. */
  outboundDropped: number;
  /** SCTP packets werift rejected (bad checksum, unknown chunk, …) and send failures. */
  sctpErrors: number;
  /** The association was aborted because the peer overran our receive window. */
  windowOverrun: number;
}

export interface DataChannelEvents extends Record<string, unknown[]> {
  channelOpened: [channel: DataChannel];
  /** One whole message; `binary` false for a string (PPID 51/56). */
  message: [channel: DataChannel, data: Buffer, binary: boolean];
  channelClosed: [channel: DataChannel];
}

/** werift-sctp fields it does not declare public but that we must read or call (werift-sctp 0.0.11). */
interface SctpInternals {
  handleData(data: Buffer): Promise<void>;
  advertisedRwnd: number;
}

/**
 * The WebRTC data channels of one peer (RFC 8831): an SCTP association (werift-sctp) over the peer's DTLS
 * association, and DCEP (RFC 8832) on top. We are the DTLS server, so our channels take odd stream ids and the
 * browser's even ones (RFC 8832 §6). Nothing from the peer throws out of here: every bad input is counted.
 */
export class SctpDataChannels implements DataChannelOwner {
  readonly events = new TypedEmitter<DataChannelEvents>();
  readonly stats: DataChannelStats = {
    channelsOpened: 0, channelsClosed: 0, channelLimit: 0, messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, oversizedDropped: 0,
    malformedDcep: 0, unknownPpid: 0, notOpenDropped: 0, outboundDropped: 0, sctpErrors: 0, windowOverrun: 0,
  };
  readonly limits: DataChannelLimits;
  readonly #send: (packet: Buffer) => void;
  readonly #channels = new Map<number, DataChannel>();
  #sctp: SCTP | undefined;
  #nextOwnId = 1;
  #closed = false;

  constructor(options: { send: (packet: Buffer) => void; limits?: Partial<DataChannelLimits> }) {
    this.#send = options.send;
    this.limits = { ...DEFAULT_DATA_CHANNEL_LIMITS, ...options.limits };
  }

  /** Whether the SCTP association is established. */
  get connected(): boolean {
    return this.#sctp?.state === 'connected';
  }

  channels(): DataChannel[] {
    return [...this.#channels.values()];
  }

  /** Upper bound of the outbound bytes waiting in SCTP (queued DATA chunks × 1200). */
  get bufferedBytes(): number {
    return (this.#sctp?.outboundQueue.length ?? 0) * CHUNK_PAYLOAD_BYTES;
  }

  /** One SCTP packet: the payload of a DTLS application-data record (RFC 8261 §3). */
  handlePacket(packet: Buffer): void {
    if (this.#closed) return;
    const sctp = this.#sctp ?? this.#start(packet);
    if (!sctp) return;
    // Our own call, not transport.onData: werift rejects a bad packet (checksum, unknown chunk) asynchronously.
    (sctp as unknown as SctpInternals).handleData(packet).then(
      () => this.#checkWindow(sctp),
      () => {
        this.stats.sctpErrors++;
      },
    );
  }

  /** Opens a channel from our side (DCEP OPEN on an odd stream); undefined at the channel limit or before SCTP is up. */
  open(parameters: Partial<DataChannelParameters> & { label: string }): DataChannel | undefined {
    const sctp = this.#sctp;
    if (!sctp || !this.connected || this.#channels.size >= this.limits.maxChannels) return undefined;
    let id = this.#nextOwnId;
    while (this.#channels.has(id)) id += 2;
    if (id > 65533) return undefined;
    this.#nextOwnId = id + 2;
    const params: DataChannelParameters = { protocol: '', ordered: true, priority: 256, ...parameters };
    const channel = new DataChannel(this, id, params);
    this.#channels.set(id, channel);
    sctp.send(id, Ppid.dcep, encodeDcepOpen(params), { ordered: true }).catch(() => this.stats.sctpErrors++);
    this.stats.channelsOpened++;
    // RFC 8832 §6: on an ordered channel, messages may follow the OPEN at once; we treat every channel so.
    channel.setOpen();
    this.events.emit('channelOpened', channel);
    return channel;
  }

  /** DataChannelOwner: sends one message on an open channel; false (and counted) when dropped. */
  sendOn(channel: DataChannel, data: string | Uint8Array): boolean {
    const sctp = this.#sctp;
    const binary = typeof data !== 'string';
    const bytes = binary ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data, 'utf8');
    const size = bytes.length;
    const queued = (sctp?.outboundQueue.length ?? 0) + Math.ceil(Math.max(size, 1) / CHUNK_PAYLOAD_BYTES);
    if (!sctp || !this.connected || channel.state !== 'open' || size > this.limits.maxMessageBytes || queued * CHUNK_PAYLOAD_BYTES > this.limits.maxBufferedBytes) {
      this.stats.outboundDropped++;
      return false;
    }
    // RFC 8831 §6.6: an empty message is one zero byte under the "empty" PPID.
    const ppid = size === 0 ? (binary ? Ppid.binaryEmpty : Ppid.stringEmpty) : binary ? Ppid.binary : Ppid.string;
    const { ordered, maxRetransmits, maxPacketLifeTime } = channel;
    sctp
      .send(channel.id, ppid, size === 0 ? Buffer.alloc(1) : bytes, {
        ordered,
        // werift-sctp tests `!!maxRetransmits`, so 0 would mean "reliable": a positive value below 1 abandons a
        // chunk at its first retransmission, which is what 0 means (RFC 3758 §3.1).
        ...(maxRetransmits !== undefined ? { maxRetransmits: maxRetransmits === 0 ? Number.EPSILON : maxRetransmits } : {}),
        ...(maxPacketLifeTime !== undefined ? { expiry: Date.now() / 1000 + maxPacketLifeTime / 1000 } : {}),
      })
      .catch(() => this.stats.sctpErrors++);
    this.stats.messagesOut++;
    this.stats.bytesOut += size;
    return true;
  }

  /** DataChannelOwner: closes a channel by resetting its stream (RFC 8831 §6.7). */
  closeChannel(channel: DataChannel): void {
    if (this.#channels.get(channel.id) !== channel) return;
    this.#resetStream(channel.id);
    this.#forget(channel);
  }

  /** Ends the association (ABORT) and every channel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#end();
    this.events.removeAllListeners();
  }

  /** Every channel closes and the association stops; nothing more is accepted. */
  #end(): void {
    this.#closed = true;
    this.#forgetAll();
    const sctp = this.#sctp;
    this.#sctp = undefined;
    sctp?.stop().catch(() => undefined);
  }

  /** The association starts with the browser's INIT (RFC 9260 §5.1), whose source port is its a=sctp-port. */
  #start(packet: Buffer): SCTP | undefined {
    // Common header (12 bytes) then the first chunk: an INIT has type 1 (RFC 9260 §3.3.2).
    if (packet.length < 16 || packet[12] !== 1) {
      this.stats.sctpErrors++;
      return undefined;
    }
    const sctp = SCTP.server({ onData: undefined, send: async (data) => this.#send(data), close: () => undefined }, SCTP_PORT);
    sctp.onReceive.subscribe((streamId, ppid, data) => this.#onReceive(streamId, ppid, data));
    sctp.onReconfigStreams.subscribe((ids) => {
      for (const id of ids) {
        const channel = this.#channels.get(id);
        if (channel) this.#forget(channel);
      }
    });
    sctp.stateChanged.closed.subscribe(() => this.#forgetAll());
    void sctp.start(packet.readUInt16BE(0));
    this.#sctp = sctp;
    return sctp;
  }

  #checkWindow(sctp: SCTP): void {
    if ((sctp as unknown as SctpInternals).advertisedRwnd >= -ADVERTISED_WINDOW_BYTES / 4 || this.#sctp !== sctp) return;
    // Fragments of a message larger than our window: the peer ignores flow control. Drop the association.
    this.stats.windowOverrun++;
    this.#end();
  }

  #onReceive(streamId: number, ppid: number, data: Buffer): void {
    if (this.#closed) return;
    if (ppid === Ppid.dcep) {
      this.#onDcep(streamId, data);
      return;
    }
    const binary = ppid === Ppid.binary || ppid === Ppid.binaryEmpty;
    if (!binary && ppid !== Ppid.string && ppid !== Ppid.stringEmpty) {
      this.stats.unknownPpid++;
      return;
    }
    const channel = this.#channels.get(streamId);
    if (!channel) {
      this.stats.notOpenDropped++;
      return;
    }
    if (data.length > this.limits.maxMessageBytes) {
      this.stats.oversizedDropped++;
      return;
    }
    const message = ppid === Ppid.binaryEmpty || ppid === Ppid.stringEmpty ? Buffer.alloc(0) : data;
    this.stats.messagesIn++;
    this.stats.bytesIn += message.length;
    this.events.emit('message', channel, message, binary);
  }

  #onDcep(streamId: number, data: Buffer): void {
    let message;
    try {
      message = parseDcep(data);
    } catch (err) {
      if (!(err instanceof DcepError)) throw err;
      this.stats.malformedDcep++;
      return;
    }
    if (message.type === 'ack') return; // our OPENs count as open at once
    // The browser (DTLS client) opens even stream ids only (RFC 8832 §6); a second OPEN on a stream is a violation.
    if (streamId % 2 === 1 || this.#channels.has(streamId)) {
      this.stats.malformedDcep++;
      return;
    }
    if (this.#channels.size >= this.limits.maxChannels) {
      this.stats.channelLimit++;
      this.#resetStream(streamId);
      return;
    }
    const channel = new DataChannel(this, streamId, message.channel);
    this.#channels.set(streamId, channel);
    this.#sctp?.send(streamId, Ppid.dcep, encodeDcepAck(), { ordered: true }).catch(() => this.stats.sctpErrors++);
    channel.setOpen();
    this.stats.channelsOpened++;
    this.events.emit('channelOpened', channel);
  }

  #resetStream(streamId: number): void {
    const sctp = this.#sctp;
    if (!sctp) return;
    sctp.reconfigQueue.push(streamId);
    sctp.transmitReconfigRequest().catch(() => this.stats.sctpErrors++);
  }

  #forgetAll(): void {
    for (const channel of [...this.#channels.values()]) this.#forget(channel);
  }

  #forget(channel: DataChannel): void {
    if (this.#channels.get(channel.id) !== channel) return;
    this.#channels.delete(channel.id);
    channel.setClosed();
    this.stats.channelsClosed++;
    this.events.emit('channelClosed', channel);
  }
}
