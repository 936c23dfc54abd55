/** Why a transfer failed. Stable: the UI maps them to text, and they travel on the wire in `error` messages. */
export const FILE_TRANSFER_ERROR_CODES = [
  /** The file is larger than the limit (checked by the sender, and again by the receiver on the header and on the bytes). */
  'TOO_LARGE',
  /** The SHA-256 of the received bytes differs from the one the sender computed: nothing is delivered. */
  'HASH_MISMATCH',
  /** More bytes than the header announced, or fewer when the trailer came. */
  'SIZE_MISMATCH',
  /** A message that is not valid JSON, or a header/trailer with missing or wrong fields. */
  'MALFORMED_MESSAGE',
  /** A message of an unknown type, or one that is not expected at this point of the exchange. */
  'UNEXPECTED_MESSAGE',
  /** The other participant left the room. */
  'PARTICIPANT_LEFT',
  /** We left the room, or lost the signaling session for good. */
  'DISCONNECTED',
  /** The peer connection carrying the transfer closed. */
  'CONNECTION_LOST',
  /** No direct connection to that participant, or the transfer's data channel never opened. */
  'NO_CONNECTION',
  /** The other side did not answer in time. */
  'TIMEOUT',
  /** The sender could not read the file. */
  'READ_FAILED',
  /** The receiver could not store the file (disk full, quota, storage unavailable). */
  'STORAGE_FAILED',
] as const;
export type FileTransferErrorCode = (typeof FILE_TRANSFER_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(FILE_TRANSFER_ERROR_CODES);
export function isFileTransferErrorCode(value: unknown): value is FileTransferErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** Raised by `FileTransfers.send` when a transfer cannot even start; carried by failed transfers. */
export class FileTransferError extends Error {
  readonly code: FileTransferErrorCode;
  constructor(code: FileTransferErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileTransferError';
    this.code = code;
  }
}
