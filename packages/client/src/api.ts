import type { RoomInfo, TokenResponse, TopologyPolicy } from '@parley/protocol';
import { ParleyError } from './errors.ts';

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (cause) {
    throw new ParleyError('TRANSPORT_FAILED', 'the server cannot be reached', { cause });
  }
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new ParleyError((body.error?.code ?? 'INTERNAL_ERROR') as never, body.error?.message ?? `HTTP ${res.status}`);
  return body as T;
}

/** `POST /api/rooms`. */
export function createRoom(baseUrl: string, options: { id?: string; apiKey?: string; topology?: TopologyPolicy; audioOnly?: boolean; loudest?: number } = {}): Promise<RoomInfo> {
  return call<RoomInfo>(new URL('/api/rooms', baseUrl).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
    body: JSON.stringify({
      ...(options.id ? { id: options.id } : {}),
      ...(options.topology ? { topology: options.topology } : {}),
      ...(options.audioOnly ? { audioOnly: true, ...(options.loudest !== undefined ? { loudest: options.loudest } : {}) } : {}),
    }),
  });
}

/** `GET /api/rooms/:id`. */
export function getRoom(baseUrl: string, id: string): Promise<RoomInfo> {
  return call<RoomInfo>(new URL(`/api/rooms/${encodeURIComponent(id)}`, baseUrl).toString());
}

/** `POST /api/rooms/:id/tokens`: a token from the server itself (trial mode; off with requireExternalTokens). */
export function requestToken(baseUrl: string, roomId: string, name: string): Promise<TokenResponse> {
  return call<TokenResponse>(new URL(`/api/rooms/${encodeURIComponent(roomId)}/tokens`, baseUrl).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
}
