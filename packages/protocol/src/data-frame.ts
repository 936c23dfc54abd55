/**
 * The room data relay's binary frame (version 1), carried in one data channel message (binary, PPID 53) on the SFU
 * connection's `parley-data` (reliable, ordered) or `parley-data-lossy` (unordered, no retransmissions) channel, and
 * on mesh control channels as a binary message.
 *
 *   0       version (1)
 *   1       flags: bit 0 = the payload is UTF-8 text; bit 1 = sent lossy (unordered, no retransmissions); bits 2-7 are 0
 *   2       F: length of the sender's participant id (0 from a client: the server fills it in)
 *   3       the sender id (F bytes, [A-Za-z0-9_-])
 *   3+F     N: destination count (0 = everyone else; always 0 from the server)
 *   …       N × (1 byte length L, L bytes participant id)
 *   …       payload (the rest, at most MAX_DATA_PAYLOAD_BYTES)
 *
 * Pure functions on Uint8Array (browser and Node alike).
 */

export const DATA_FRAME_VERSION = 1;
/** The SFU data channels the SDK opens (RFC 8832 labels). */
export const DATA_CHANNEL_LABELS = { reliable: 'parley-data', lossy: 'parley-data-lossy' } as const;
/**
 * Payload limit: the SFU announces a=max-message-size 65536 (RFC 8841 §6), and a relayed frame adds up to
 * 3 + 64 bytes of header; 63 KiB leaves room for that.
 */
export const MAX_DATA_PAYLOAD_BYTES = 63 * 1024;
export const MAX_DATA_DESTINATIONS = 64;
const MAX_ID_BYTES = 64;
const FLAG_TEXT = 0x01;
const FLAG_LOSSY = 0x02;

export type DataFrameErrorCode = 'TRUNCATED' | 'BAD_VERSION' | 'BAD_FLAGS' | 'BAD_ID' | 'TOO_MANY_DESTINATIONS' | 'TOO_LARGE';

export class DataFrameError extends Error {
  readonly code: DataFrameErrorCode;
  constructor(code: DataFrameErrorCode, message: string) {
    super(message);
    this.name = 'DataFrameError';
    this.code = code;
  }
}

export interface DataFrame {
  /** The sender's participant id; '' in what a client sends. */
  from: string;
  /** Participant ids to deliver to; empty for everyone else. */
  to: string[];
  /** Whether the payload is UTF-8 text (sendData with a string). */
  text: boolean;
  /** Whether the sender asked for lossy delivery (the server sets it from the channel the frame came on). */
  lossy?: boolean;
  payload: Uint8Array;
}

const isIdByte = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f;

function idBytes(id: string): Uint8Array {
  const bytes = new Uint8Array(id.length);
  for (let i = 0; i < id.length; i++) bytes[i] = id.charCodeAt(i);
  if (id.length > MAX_ID_BYTES || !bytes.every(isIdByte)) throw new DataFrameError('BAD_ID', `not a participant id: "${id.slice(0, 70)}"`);
  return bytes;
}

/** Encodes a frame. Throws DataFrameError (BAD_ID, TOO_MANY_DESTINATIONS, TOO_LARGE) for what decode would refuse. */
export function encodeDataFrame(frame: DataFrame): Uint8Array {
  if (frame.to.length > MAX_DATA_DESTINATIONS) throw new DataFrameError('TOO_MANY_DESTINATIONS', `at most ${MAX_DATA_DESTINATIONS} destinations, not ${frame.to.length}`);
  if (frame.payload.length > MAX_DATA_PAYLOAD_BYTES) throw new DataFrameError('TOO_LARGE', `a payload of ${frame.payload.length} bytes is over ${MAX_DATA_PAYLOAD_BYTES}`);
  const from = frame.from === '' ? new Uint8Array(0) : idBytes(frame.from);
  const to = frame.to.map((id) => {
    if (id === '') throw new DataFrameError('BAD_ID', 'an empty destination id');
    return idBytes(id);
  });
  const size = 4 + from.length + to.reduce((n, id) => n + 1 + id.length, 0) + frame.payload.length;
  const out = new Uint8Array(size);
  out[0] = DATA_FRAME_VERSION;
  out[1] = (frame.text ? FLAG_TEXT : 0) | (frame.lossy ? FLAG_LOSSY : 0);
  out[2] = from.length;
  out.set(from, 3);
  let at = 3 + from.length;
  out[at++] = to.length;
  for (const id of to) {
    out[at++] = id.length;
    out.set(id, at);
    at += id.length;
  }
  out.set(frame.payload, at);
  return out;
}

/** Decodes one frame; the payload is a view into `bytes`. Throws DataFrameError with a stable code. */
export function decodeDataFrame(bytes: Uint8Array): DataFrame {
  if (bytes.length < 4) throw new DataFrameError('TRUNCATED', `a frame has at least 4 bytes, not ${bytes.length}`);
  if (bytes[0] !== DATA_FRAME_VERSION) throw new DataFrameError('BAD_VERSION', `unknown frame version ${bytes[0]}`);
  const flags = bytes[1] as number;
  if ((flags & ~(FLAG_TEXT | FLAG_LOSSY)) !== 0) throw new DataFrameError('BAD_FLAGS', `reserved flag bits set (0x${flags.toString(16)})`);
  let at = 2;
  const readId = (allowEmpty: boolean): string => {
    const length = bytes[at];
    if (length === undefined || at + 1 + length > bytes.length) throw new DataFrameError('TRUNCATED', 'a participant id runs past the end of the frame');
    if ((length === 0 && !allowEmpty) || length > MAX_ID_BYTES) throw new DataFrameError('BAD_ID', `a participant id of ${length} bytes`);
    const id = bytes.subarray(at + 1, at + 1 + length);
    if (!id.every(isIdByte)) throw new DataFrameError('BAD_ID', 'a participant id with bytes outside [A-Za-z0-9_-]');
    at += 1 + length;
    return String.fromCharCode(...id);
  };
  const from = readId(true);
  const count = bytes[at];
  if (count === undefined) throw new DataFrameError('TRUNCATED', 'no destination count');
  if (count > MAX_DATA_DESTINATIONS) throw new DataFrameError('TOO_MANY_DESTINATIONS', `${count} destinations (at most ${MAX_DATA_DESTINATIONS})`);
  at++;
  const to: string[] = [];
  for (let i = 0; i < count; i++) to.push(readId(false));
  const payload = bytes.subarray(at);
  if (payload.length > MAX_DATA_PAYLOAD_BYTES) throw new DataFrameError('TOO_LARGE', `a payload of ${payload.length} bytes is over ${MAX_DATA_PAYLOAD_BYTES}`);
  return { from, to, text: (flags & FLAG_TEXT) !== 0, lossy: (flags & FLAG_LOSSY) !== 0, payload };
}
