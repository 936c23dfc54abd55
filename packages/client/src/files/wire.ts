/**
 * The file-transfer wire format, one RTCDataChannel per transfer (ordered, reliable), labelled
 * `file:<id>`. Text messages are JSON control messages; binary messages are file bytes, in order.
 *
 *   sender → receiver: header, then (after `ready`) binary chunks, then trailer { sha256 }
 *   receiver → sender: ready (storage open, send the bytes), done (hash checked, file kept) or error
 *   either way:        cancel, or error { code, message }; closing the channel before the end also cancels
 *
 * Pure: no I/O, so both ends can be tested without a browser.
 */
import { isFileTransferErrorCode, type FileTransferErrorCode } from './errors.ts';

export const FILE_CHANNEL_PREFIX = 'file:';
export const FILE_WIRE_VERSION = 1;
/** Longest name we keep (UTF-16 code units; most file systems allow 255). */
export const MAX_NAME_LENGTH = 255;
const MAX_TYPE_LENGTH = 255;
const MAX_TEXT_MESSAGE_LENGTH = 4096;
const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// RFC 6838 §4.2 restricted-name characters, type/subtype plus optional parameters.
const MIME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/;

export interface HeaderMessage {
  type: 'header';
  version: number;
  id: string;
  name: string;
  size: number;
  mimeType: string;
}
export interface ReadyMessage { type: 'ready' }
export interface TrailerMessage { type: 'trailer'; sha256: string }
export interface DoneMessage { type: 'done' }
export interface CancelMessage { type: 'cancel' }
export interface ErrorMessage { type: 'error'; code: FileTransferErrorCode; message: string }

export type FileControlMessage = HeaderMessage | ReadyMessage | TrailerMessage | DoneMessage | CancelMessage | ErrorMessage;

export type ParseResult = { ok: true; message: FileControlMessage } | { ok: false; code: 'MALFORMED_MESSAGE' | 'UNEXPECTED_MESSAGE'; reason: string };

export function channelLabel(transferId: string): string {
  return `${FILE_CHANNEL_PREFIX}${transferId}`;
}

/** The transfer id in a channel label, or undefined when the label is not a file channel (or its id is bad). */
export function transferIdFromLabel(label: string): string | undefined {
  if (!label.startsWith(FILE_CHANNEL_PREFIX)) return undefined;
  const id = label.slice(FILE_CHANNEL_PREFIX.length);
  return ID_PATTERN.test(id) ? id : undefined;
}

export function isTransferId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function encodeMessage(message: FileControlMessage): string {
  return JSON.stringify(message);
}

/**
 * A name safe to show and to offer as a download name: no directories, no control characters,
 * no leading dots (hidden files), at most MAX_NAME_LENGTH characters, never empty.
 */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').trim().slice(0, MAX_NAME_LENGTH);
  return clean || 'file';
}

export function sanitizeMimeType(type: string): string {
  return type.length <= MAX_TYPE_LENGTH && MIME_PATTERN.test(type) ? type.toLowerCase() : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(reason: string): ParseResult {
  return { ok: false, code: 'MALFORMED_MESSAGE', reason };
}

/** Parses one text message. Never throws: anything wrong comes back as a stable code. */
export function parseMessage(text: string): ParseResult {
  if (text.length > MAX_TEXT_MESSAGE_LENGTH) return malformed('control message too long');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('control message is not JSON');
  }
  if (!isRecord(value) || typeof value.type !== 'string') return malformed('control message has no type');
  switch (value.type) {
    case 'header': {
      const { version, id, name, size, mimeType } = value;
      if (version !== FILE_WIRE_VERSION) return { ok: false, code: 'UNEXPECTED_MESSAGE', reason: `unsupported version ${String(version)}` };
      if (!isTransferId(id)) return malformed('header: bad id');
      if (typeof name !== 'string' || name.length === 0 || name.length > 1024) return malformed('header: bad name');
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return malformed('header: bad size');
      if (mimeType !== undefined && typeof mimeType !== 'string') return malformed('header: bad mimeType');
      return { ok: true, message: { type: 'header', version, id, name: sanitizeFileName(name), size, mimeType: sanitizeMimeType(mimeType ?? '') } };
    }
    case 'trailer':
      if (typeof value.sha256 !== 'string' || !SHA256_HEX.test(value.sha256)) return malformed('trailer: sha256 must be 64 lowercase hex digits');
      return { ok: true, message: { type: 'trailer', sha256: value.sha256 } };
    case 'ready':
    case 'done':
    case 'cancel':
      return { ok: true, message: { type: value.type } };
    case 'error': {
      // An unknown code from a newer peer still ends the transfer; we report it as a protocol error.
      const code = isFileTransferErrorCode(value.code) ? value.code : 'UNEXPECTED_MESSAGE';
      const message = typeof value.message === 'string' ? value.message.slice(0, 500) : '';
      return { ok: true, message: { type: 'error', code, message } };
    }
    default:
      return { ok: false, code: 'UNEXPECTED_MESSAGE', reason: `unknown message type "${value.type.slice(0, 40)}"` };
  }
}
