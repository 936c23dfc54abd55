import type { ParleyError } from '@parley/client';

/** What a person should read when the call cannot go on. */
export function friendlyError(error: ParleyError): string {
  switch (error.code) {
    case 'ROOM_FULL':
      return 'This room is full.';
    case 'ROOM_NOT_FOUND':
      return 'This room does not exist (any more).';
    case 'TOKEN_EXPIRED':
      return 'Your invitation has expired. Ask for a new link.';
    case 'TOKEN_INVALID':
    case 'TOKEN_REQUIRED':
    case 'FORBIDDEN':
      return 'This link does not let you into the room.';
    case 'REPLACED':
      return 'You joined this room from another tab or device.';
    case 'KICKED':
      return 'You were removed from the room.';
    case 'TRANSPORT_FAILED':
    case 'TIMEOUT':
      return 'The server cannot be reached. Check your connection and try again.';
    default:
      return `The call ended: ${error.message}`;
  }
}
