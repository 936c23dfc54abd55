import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CreateRoomRequest, ProtocolError, RoomId, TokenRequest, type TokenResponse } from '@parley/protocol';
import type { Config } from '../config.ts';
import type { TokenService } from '../auth.ts';
import type { Metrics } from '../metrics.ts';
import type { SignalingService } from '../signaling.ts';
import { asProtocolError, bearer, readBody, sendError, sendJson } from './io.ts';

const API_BODY_LIMIT = 16 * 1024;
/** The loudest voices an audio-only room forwards when the request does not say. */
const DEFAULT_LOUDEST = 3;

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new ProtocolError('MALFORMED_JSON', 'request body is not valid JSON');
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The REST API: rooms, tokens for the built-in web app, health and metrics. */
export class Api {
  readonly #started = Date.now();
  constructor(
    private readonly service: SignalingService,
    private readonly tokens: TokenService,
    private readonly metrics: Metrics,
    private readonly config: Config,
  ) {}

  /** Returns false when the path is not an API path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    try {
      if (path === '/healthz' && method === 'GET') {
        sendJson(res, 200, { status: 'ok', uptimeS: Math.round((Date.now() - this.#started) / 1000), rooms: this.service.roomCount, sessions: this.service.sessionCount });
        return true;
      }
      if (path === '/metrics' && method === 'GET') {
        this.service.collectMetrics();
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
        return true;
      }
      if (path === '/api/config' && method === 'GET') {
        sendJson(res, 200, { requireExternalTokens: this.config.auth.requireExternalTokens, maxParticipants: this.config.rooms.maxParticipants });
        return true;
      }
      if (path === '/api/rooms' && method === 'POST') {
        await this.#createRoom(req, res);
        return true;
      }
      const kick = /^\/api\/rooms\/([^/]+)\/participants\/([^/]+)$/.exec(path);
      if (kick && method === 'DELETE') {
        this.#requireApiKey(req, 'removing participants');
        this.service.kick(decodeURIComponent(kick[1] ?? ''), decodeURIComponent(kick[2] ?? ''));
        res.writeHead(204).end();
        return true;
      }
      const m = /^\/api\/rooms\/([^/]+)(\/tokens)?$/.exec(path);
      if (m) {
        let raw = '';
        try {
          raw = decodeURIComponent(m[1] ?? '');
        } catch {
          /* malformed percent-encoding: not a room id */
        }
        const id = RoomId.safeParse(raw);
        if (!id.success) throw new ProtocolError('BAD_REQUEST', 'invalid room id');
        if (!m[2] && method === 'GET') {
          const room = this.service.getRoom(id.data);
          if (!room) throw new ProtocolError('ROOM_NOT_FOUND', `room "${id.data}" does not exist`);
          sendJson(res, 200, room.info());
          return true;
        }
        if (m[2] && method === 'POST') {
          await this.#mintToken(req, res, id.data);
          return true;
        }
        throw new ProtocolError('NOT_FOUND', `${method} ${path} is not an API route`);
      }
      if (path.startsWith('/api/')) throw new ProtocolError('NOT_FOUND', `${method} ${path} is not an API route`);
      return false;
    } catch (err) {
      sendError(res, asProtocolError(err));
      return true;
    }
  }

  async #createRoom(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { apiKey } = this.config.auth;
    if (apiKey !== undefined) this.#requireApiKey(req, 'creating rooms');
    const body = CreateRoomRequest.safeParse(parseJson(await readBody(req, API_BODY_LIMIT)));
    if (!body.success) throw new ProtocolError('BAD_REQUEST', body.error.issues[0]?.message ?? 'invalid body');
    const id = body.data.id ?? randomBytes(6).toString('base64url');
    const existed = this.service.getRoom(id) !== undefined;
    const { audioOnly, loudest } = body.data;
    const room = this.service.createRoom(id, body.data.maxParticipants, body.data.topology, body.data.meshMax, audioOnly ? { loudest: loudest ?? DEFAULT_LOUDEST } : undefined);
    // Creating a room that exists is not an error: answer with it as it is (200, not 201).
    sendJson(res, existed ? 200 : 201, room.info());
  }

  /** Operator actions need `Authorization: Bearer <auth.apiKey>`; without a configured key they are off. */
  #requireApiKey(req: IncomingMessage, what: string): void {
    const { apiKey } = this.config.auth;
    if (apiKey === undefined) throw new ProtocolError('FORBIDDEN', `${what} needs auth.apiKey (PARLEY_API_KEY) to be configured`);
    if (!sameSecret(bearer(req) ?? '', apiKey)) throw new ProtocolError('FORBIDDEN', `${what} needs the API key`);
  }

  async #mintToken(req: IncomingMessage, res: ServerResponse, roomId: string): Promise<void> {
    if (this.config.auth.requireExternalTokens) throw new ProtocolError('FORBIDDEN', 'this server accepts only tokens from the operator (requireExternalTokens)');
    const body = TokenRequest.safeParse(parseJson(await readBody(req, API_BODY_LIMIT)));
    if (!body.success) throw new ProtocolError('BAD_REQUEST', body.error.issues[0]?.message ?? 'invalid body');
    if (!this.service.getRoom(roomId) && !this.config.rooms.autoCreate) throw new ProtocolError('ROOM_NOT_FOUND', `room "${roomId}" does not exist`);
    const identity = `guest-${randomBytes(9).toString('base64url')}`;
    const { token, expiresAt } = await this.tokens.mint({
      room: roomId,
      identity,
      name: body.data.name,
      ...(body.data.metadata !== undefined ? { metadata: body.data.metadata } : {}),
      ttlS: this.config.auth.tokenTtlS,
    });
    const out: TokenResponse = { token, identity, expiresAt };
    sendJson(res, 200, out);
  }
}
