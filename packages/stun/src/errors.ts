/** Why a buffer could not be decoded. Stable: tests and callers match on it. */
export type StunDecodeErrorCode =
  | 'TRUNCATED' // shorter than its header or its own length field says
  | 'NOT_STUN' // first bits, magic cookie or length alignment do not match (RFC 8489 §5)
  | 'BAD_LENGTH' // the length field disagrees with the buffer
  | 'BAD_ATTRIBUTE' // an attribute value has the wrong size or content
  | 'BAD_ADDRESS_FAMILY' // an address attribute names a family other than IPv4/IPv6
  | 'BAD_CHANNEL'; // a ChannelData channel number outside 0x4000–0x7FFF (RFC 8656 §12, RFC 5766 §11)

/** The only error the decoder throws. */
export class StunDecodeError extends Error {
  readonly code: StunDecodeErrorCode;

  constructor(code: StunDecodeErrorCode, message: string) {
    super(message);
    this.name = 'StunDecodeError';
    this.code = code;
  }
}
