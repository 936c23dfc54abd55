import type { z } from 'zod';
import { ClientMessage, CLIENT_MESSAGE_TYPES, ServerMessage } from './messages.ts';
import { ProtocolError } from './errors.ts';

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: ProtocolError; id?: string; type?: string };

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid message';
  const path = issue.path.length > 0 ? issue.path.join('.') : 'message';
  return `${path}: ${issue.message}`.slice(0, 200);
}

function envelope(raw: string): ParseResult<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: new ProtocolError('MALFORMED_JSON', 'message is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new ProtocolError('INVALID_MESSAGE', 'message must be a JSON object') };
  }
  return { ok: true, message: value as Record<string, unknown> };
}

/**
 * Parses one inbound client frame. Never throws: every failure comes back with a stable code,
 * and with the request id and type when they could be read, so the error can be addressed.
 */
export function parseClientMessage(raw: string): ParseResult<ClientMessage> {
  const env = envelope(raw);
  if (!env.ok) return env;
  const obj = env.message;
  const id = typeof obj.id === 'string' && obj.id.length <= 64 && obj.id.length > 0 ? obj.id : undefined;
  const type = typeof obj.type === 'string' ? obj.type.slice(0, 64) : undefined;
  if (type === undefined || !CLIENT_MESSAGE_TYPES.has(type)) {
    return { ok: false, id, type, error: new ProtocolError('UNKNOWN_TYPE', type === undefined ? 'message has no type' : `unknown message type "${type}"`) };
  }
  const parsed = ClientMessage.safeParse(obj);
  if (!parsed.success) return { ok: false, id, type, error: new ProtocolError('INVALID_MESSAGE', `${type}: ${describe(parsed.error)}`) };
  return { ok: true, message: parsed.data };
}

/** Parses one frame from the server (used by the SDK). */
export function parseServerMessage(raw: string): ParseResult<ServerMessage> {
  const env = envelope(raw);
  if (!env.ok) return env;
  const parsed = ServerMessage.safeParse(env.message);
  if (!parsed.success) return { ok: false, error: new ProtocolError('INVALID_MESSAGE', describe(parsed.error)) };
  return { ok: true, message: parsed.data };
}

/** For exhaustive switches: the compiler proves this is never reached. */
export function assertNever(value: never): never {
  throw new TypeError(`unexpected value: ${JSON.stringify(value)}`);
}
