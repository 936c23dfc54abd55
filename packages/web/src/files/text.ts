import type { FileTransferErrorCode, Transfer } from '@parley/client';

const UNITS = ['B', 'KB', 'MB', 'GB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Why a transfer failed, in words, with the other person's name where it helps. */
export function failureText(code: FileTransferErrorCode | undefined, who: string): string {
  switch (code) {
    case 'TOO_LARGE':
      return 'the file is over the size limit';
    case 'HASH_MISMATCH':
      return 'the file arrived damaged (checksum mismatch) and was discarded';
    case 'SIZE_MISMATCH':
      return 'the file arrived incomplete';
    case 'MALFORMED_MESSAGE':
    case 'UNEXPECTED_MESSAGE':
      return `${who}'s app sent something unexpected`;
    case 'PARTICIPANT_LEFT':
      return `${who} left`;
    case 'DISCONNECTED':
      return 'you left the room';
    case 'CONNECTION_LOST':
      return `the connection to ${who} was lost`;
    case 'NO_CONNECTION':
      return `no connection to ${who} yet`;
    case 'TIMEOUT':
      return `${who} did not answer`;
    case 'READ_FAILED':
      return 'the file could not be read';
    case 'STORAGE_FAILED':
      return 'there is not enough space to save the file';
    case undefined:
      return 'unknown error';
  }
}

export function statusText(t: Transfer): string {
  const who = t.participantName || 'the other person';
  switch (t.state) {
    case 'pending':
      return t.direction === 'outgoing' ? `Waiting for ${who}…` : 'Starting…';
    case 'active':
      return `${Math.floor(t.progress * 100)}%`;
    case 'completed':
      return t.direction === 'outgoing' ? 'Sent' : 'Received';
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return `Failed: ${failureText(t.errorCode, who)}`;
  }
}
