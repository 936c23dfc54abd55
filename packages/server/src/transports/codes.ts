import { CloseCodes, type ErrorCode } from '@parley/protocol';

/** How a failed hello ends a WebSocket: protocol errors 1002, refused credentials 1008, the rest 1000 with the code as reason. */
export function closeCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'MALFORMED_JSON':
    case 'UNKNOWN_TYPE':
    case 'INVALID_MESSAGE':
    case 'PROTOCOL_VIOLATION':
    case 'UNSUPPORTED_VERSION':
      return CloseCodes.protocolError;
    case 'TOKEN_REQUIRED':
    case 'TOKEN_INVALID':
    case 'TOKEN_EXPIRED':
    case 'FORBIDDEN':
    case 'REPLACED':
    case 'KICKED':
      return CloseCodes.policyViolation;
    case 'MESSAGE_TOO_LARGE':
      return CloseCodes.messageTooBig;
    case 'INTERNAL_ERROR':
      return CloseCodes.internalError;
    default:
      return CloseCodes.normal;
  }
}

/** The HTTP status that carries an error code on the HTTP transports and the REST API. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'TOKEN_REQUIRED':
    case 'TOKEN_INVALID':
    case 'TOKEN_EXPIRED':
      return 401;
    case 'FORBIDDEN':
    case 'REPLACED':
    case 'KICKED':
      return 403;
    case 'ROOM_NOT_FOUND':
    case 'NOT_FOUND':
    case 'UNKNOWN_PARTICIPANT':
    case 'UNKNOWN_PRODUCER':
      return 404;
    case 'RESUME_FAILED':
    case 'ROOM_FULL':
    case 'SESSION_CLOSED':
    case 'WRONG_TOPOLOGY':
    case 'AUDIO_ONLY':
      return 409;
    case 'MESSAGE_TOO_LARGE':
      return 413;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL_ERROR':
      return 500;
    case 'CAPACITY_EXCEEDED':
    case 'SFU_UNAVAILABLE':
    case 'MCU_UNAVAILABLE':
      return 503;
    default:
      return 400;
  }
}
