/**
 * The Data Channel Establishment Protocol (RFC 8832) and the SCTP payload protocol identifiers of WebRTC data
 * channels (RFC 8831 §8). Pure functions; no state.
 */

/** RFC 8831 §8 / RFC 8832 §8.1: SCTP PPIDs. 52 and 54 (partial messages) are deprecated and not accepted. */
export const Ppid = {
  dcep: 50,
  string: 51,
  binary: 53,
  /** An empty message is sent as one zero byte with these (RFC 8831 §6.6). */
  stringEmpty: 56,
  binaryEmpty: 57,
} as const;

/** RFC 8832 §8.2.1: message types. */
export const DcepMessageType = { ack: 0x02, open: 0x03 } as const;

/** RFC 8832 §5.1: the channel types; the 0x80 bit means unordered. */
export const ChannelType = {
  reliable: 0x00,
  partialReliableRexmit: 0x01,
  partialReliableTimed: 0x02,
} as const;
const UNORDERED = 0x80;

export interface DataChannelParameters {
  label: string;
  protocol: string;
  ordered: boolean;
  /** PR-SCTP by retransmissions (RFC 3758): at most this many retransmissions. */
  maxRetransmits?: number;
  /** PR-SCTP by time: give up after this many milliseconds. */
  maxPacketLifeTime?: number;
  priority: number;
}

export type DcepMessage = { type: 'open'; channel: DataChannelParameters } | { type: 'ack' };

export type DcepErrorCode = 'TRUNCATED' | 'UNKNOWN_TYPE' | 'BAD_CHANNEL_TYPE' | 'BAD_LENGTH';

export class DcepError extends Error {
  readonly code: DcepErrorCode;
  constructor(code: DcepErrorCode, message: string) {
    super(message);
    this.name = 'DcepError';
    this.code = code;
  }
}

const HEADER_BYTES = 12;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Parses one DCEP message (PPID 50). Throws DcepError with a stable code. */
export function parseDcep(data: Uint8Array): DcepMessage {
  const type = data[0];
  if (type === undefined) throw new DcepError('TRUNCATED', 'an empty DCEP message');
  if (type === DcepMessageType.ack) {
    // RFC 8832 §5.2: the ACK is the type byte alone; more is a malformed message.
    if (data.length !== 1) throw new DcepError('BAD_LENGTH', `a DATA_CHANNEL_ACK of ${data.length} bytes`);
    return { type: 'ack' };
  }
  if (type !== DcepMessageType.open) throw new DcepError('UNKNOWN_TYPE', `unknown DCEP message type 0x${type.toString(16)}`);
  if (data.length < HEADER_BYTES) throw new DcepError('TRUNCATED', `a DATA_CHANNEL_OPEN of ${data.length} bytes (at least ${HEADER_BYTES})`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const channelType = data[1] as number;
  const priority = view.getUint16(2);
  const reliability = view.getUint32(4);
  const labelLength = view.getUint16(8);
  const protocolLength = view.getUint16(10);
  if (HEADER_BYTES + labelLength + protocolLength !== data.length) {
    throw new DcepError('BAD_LENGTH', `label (${labelLength}) and protocol (${protocolLength}) lengths do not add up to the ${data.length}-byte message`);
  }
  const base = channelType & ~UNORDERED;
  const channel: DataChannelParameters = {
    label: decoder.decode(data.subarray(HEADER_BYTES, HEADER_BYTES + labelLength)),
    protocol: decoder.decode(data.subarray(HEADER_BYTES + labelLength)),
    ordered: (channelType & UNORDERED) === 0,
    priority,
  };
  // RFC 8832 §5.1: the reliability parameter is ignored for reliable channels.
  if (base === ChannelType.partialReliableRexmit) channel.maxRetransmits = reliability;
  else if (base === ChannelType.partialReliableTimed) channel.maxPacketLifeTime = reliability;
  else if (base !== ChannelType.reliable) throw new DcepError('BAD_CHANNEL_TYPE', `unknown channel type 0x${channelType.toString(16)}`);
  return { type: 'open', channel };
}

/** A DATA_CHANNEL_OPEN (RFC 8832 §5.1) for these parameters. */
export function encodeDcepOpen(channel: DataChannelParameters): Buffer {
  const label = Buffer.from(channel.label, 'utf8');
  const protocol = Buffer.from(channel.protocol, 'utf8');
  if (label.length > 0xffff || protocol.length > 0xffff) throw new RangeError('a data channel label and protocol fit in 65535 bytes each');
  const out = Buffer.alloc(HEADER_BYTES + label.length + protocol.length);
  let type: number = ChannelType.reliable;
  let reliability = 0;
  if (channel.maxRetransmits !== undefined) {
    type = ChannelType.partialReliableRexmit;
    reliability = channel.maxRetransmits;
  } else if (channel.maxPacketLifeTime !== undefined) {
    type = ChannelType.partialReliableTimed;
    reliability = channel.maxPacketLifeTime;
  }
  out[0] = DcepMessageType.open;
  out[1] = type | (channel.ordered ? 0 : UNORDERED);
  out.writeUInt16BE(channel.priority & 0xffff, 2);
  out.writeUInt32BE(reliability >>> 0, 4);
  out.writeUInt16BE(label.length, 8);
  out.writeUInt16BE(protocol.length, 10);
  label.copy(out, HEADER_BYTES);
  protocol.copy(out, HEADER_BYTES + label.length);
  return out;
}

/** RFC 8832 §5.2: DATA_CHANNEL_ACK. */
export function encodeDcepAck(): Buffer {
  return Buffer.from([DcepMessageType.ack]);
}
