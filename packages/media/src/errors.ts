/** Why a buffer could not be decoded as RTP or RTCP. Stable: tests, metrics and callers match on it. */
export type MediaDecodeErrorCode =
  | 'TRUNCATED' // shorter than a fixed header or than its own length fields say
  | 'BAD_VERSION' // the version field is not 2 (RFC 3550 §5.1, §6.4.1)
  | 'BAD_PADDING' // the P bit is set but the padding count is 0 or larger than the packet (RFC 3550 §5.1)
  | 'BAD_EXTENSION' // an RFC 8285 header extension element overruns its block
  | 'BAD_LENGTH' // an RTCP length or count field disagrees with the packet (RFC 3550 §6.4)
  | 'BAD_FEEDBACK'; // an RTCP feedback message whose body cannot be what its FMT says (RFC 4585 §6)

/** The only error the RTP/RTCP decoders throw. */
export class MediaDecodeError extends Error {
  readonly code: MediaDecodeErrorCode;

  constructor(code: MediaDecodeErrorCode, message: string) {
    super(message);
    this.name = 'MediaDecodeError';
    this.code = code;
  }
}

/** Why SRTP/SRTCP refused a packet. Every rejection is one of these; none of them is a crash. */
export type SrtpErrorCode =
  | 'TRUNCATED' // shorter than header + authentication tag (+ SRTCP index)
  | 'BAD_HEADER' // the clear header is not well-formed RTP/RTCP
  | 'AUTH_FAILED' // the authentication tag does not verify (RFC 3711 §3.3 step 5, RFC 7714 §10)
  | 'REPLAYED' // an index already accepted inside the replay window (RFC 3711 §3.3.2)
  | 'TOO_OLD' // an index left of the replay window (RFC 3711 §3.3.2)
  | 'INDEX_EXHAUSTED'; // the 2^48 SRTP or 2^31 SRTCP index space is used up: rekey (RFC 3711 §3.3.1, §3.4)

export class SrtpError extends Error {
  readonly code: SrtpErrorCode;

  constructor(code: SrtpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SrtpError';
    this.code = code;
  }
}

/** A Buffer view of any Uint8Array, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
