import { FatalErrorCodes, type ErrorCode, type ProtocolErrorBody, type Welcome } from '@parley/protocol';

export type ClientErrorCode = ErrorCode | 'TRANSPORT_FAILED' | 'TIMEOUT' | 'CLOSED';

/** Every error the SDK raises: a stable `code`, a human `message`, and the `cause` when there is one. */
export class ParleyError extends Error {
  readonly code: ClientErrorCode;
  /** Set when the server had already opened a session before this transport failed. */
  welcome?: Welcome;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParleyError';
    this.code = code;
  }

  static from(body: ProtocolErrorBody): ParleyError {
    return new ParleyError(body.code, body.message);
  }

  /** Retrying with the same token cannot help. */
  get fatal(): boolean {
    return FatalErrorCodes.has(this.code as ErrorCode);
  }
}
