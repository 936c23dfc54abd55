import { HEADER_LENGTH, MAGIC_COOKIE } from './constants.ts';
import { StunDecodeError } from './errors.ts';

/**
 * Cuts a TCP/TLS byte stream into STUN messages and ChannelData frames (RFC 8656 §12.5):
 * STUN frames are 20 + length bytes; ChannelData frames are 4 + length rounded up to 4.
 * Throws StunDecodeError on a frame that is neither (the caller closes the connection).
 */
export class StreamFramer {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #maxBuffered: number;

  constructor(options: { maxBufferedBytes?: number } = {}) {
    this.#maxBuffered = options.maxBufferedBytes ?? 0x10000 + HEADER_LENGTH;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  push(chunk: Buffer): Buffer[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const frames: Buffer[] = [];
    // Each pass consumes at least 4 bytes or stops: bounded by the buffer size.
    while (this.#buffer.length >= 4) {
      const first = this.#buffer[0] as number;
      const length = this.#buffer.readUInt16BE(2);
      let total: number;
      if ((first & 0xc0) === 0) {
        // Check the magic cookie as soon as it is there, so that a stream of something else
        // (TLS to the plain port, HTTP) is refused at once instead of awaited.
        if (this.#buffer.length >= 8 && this.#buffer.readUInt32BE(4) !== MAGIC_COOKIE) throw new StunDecodeError('NOT_STUN', 'stream frame without the STUN magic cookie');
        total = HEADER_LENGTH + length;
      }
      else if ((first & 0xc0) === 0x40) total = 4 + ((length + 3) & ~3);
      else throw new StunDecodeError('NOT_STUN', 'stream frame is neither STUN nor ChannelData');
      if (this.#buffer.length < total) break;
      frames.push(this.#buffer.subarray(0, total));
      this.#buffer = this.#buffer.subarray(total);
    }
    if (this.#buffer.length > this.#maxBuffered) throw new StunDecodeError('BAD_LENGTH', 'partial frame larger than the stream buffer');
    return frames;
  }
}
