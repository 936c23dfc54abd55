/**
 * Stable error codes. The wire carries `{ code, message }`; clients branch on `code`,
 * humans read `message`. Codes are never renamed or reused: add new ones at the end.
 */
export const ErrorCodes = [
  // Input at the edge
  'MALFORMED_JSON',
  'UNKNOWN_TYPE',
  'INVALID_MESSAGE',
  'MESSAGE_TOO_LARGE',
  'RATE_LIMITED',
  'PROTOCOL_VIOLATION',
  'UNSUPPORTED_VERSION',
  // Identity and access
  'TOKEN_REQUIRED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  // Rooms and sessions
  'ROOM_NOT_FOUND',
  'ROOM_FULL',
  'UNKNOWN_PARTICIPANT',
  'INVALID_SDP',
  'INVALID_CANDIDATE',
  'RESUME_FAILED',
  'SESSION_CLOSED',
  'REPLACED',
  // Server
  'INTERNAL_ERROR',
  'NOT_FOUND',
  'BAD_REQUEST',
  'CAPACITY_EXCEEDED',
  'KICKED',
  // Media (SFU)
  'SFU_UNAVAILABLE',
  'WRONG_TOPOLOGY',
  'UNKNOWN_PRODUCER',
  'UNSUPPORTED_CODEC',
  // Media (MCU)
  'MCU_UNAVAILABLE',
  // Media (audio-only rooms)
  'AUDIO_ONLY',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface ProtocolErrorBody {
  code: ErrorCode;
  message: string;
}

/** WebSocket close codes (RFC 6455 §7.4.1) used by the server, and what they mean to a client. */
export const CloseCodes = {
  /** Normal close: the participant left, or the session ended with a user-level reason. */
  normal: 1000,
  /** Server is going away (shutdown). The client should resume elsewhere or later. */
  goingAway: 1001,
  /** The peer broke the protocol (binary frame, message before hello, bad handshake). */
  protocolError: 1002,
  /** Policy: authentication failed or the session was replaced/kicked. Do not retry blindly. */
  policyViolation: 1008,
  /** A frame larger than the hard limit. */
  messageTooBig: 1009,
  /** Unexpected server error; the message is never sent to the client. */
  internalError: 1011,
} as const;

/** Codes after which reconnecting with the same credentials cannot succeed. */
export const FatalErrorCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNSUPPORTED_VERSION',
  'TOKEN_REQUIRED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'ROOM_NOT_FOUND',
  'ROOM_FULL',
  'REPLACED',
  'SESSION_CLOSED',
  'KICKED',
]);

/** An error with a stable code, as carried on the wire. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
  toBody(): ProtocolErrorBody {
    return { code: this.code, message: this.message };
  }
}
