import { randomBytes, createHmac } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { ProtocolError, RoomId, DisplayName, Metadata, type IceServer } from '@parley/protocol';

export const Grants = z.object({
  join: z.boolean().default(true),
  publish: z.boolean().default(true),
  subscribe: z.boolean().default(true),
});
export type Grants = z.infer<typeof Grants>;

const Claims = z.object({
  room: RoomId,
  sub: z.string().min(1).max(128),
  name: DisplayName.optional(),
  metadata: Metadata.optional(),
  grants: Grants.prefault({}),
});

export interface RoomTokenClaims {
  room: string;
  identity: string;
  name: string;
  metadata: string;
  grants: Grants;
  expiresAt: number;
}

export interface MintOptions {
  room: string;
  identity: string;
  name?: string;
  metadata?: string;
  grants?: Partial<Grants>;
  ttlS: number;
}

const ISSUER = 'parley';
const AUDIENCE = 'parley-room';

/** Room tokens: HS256 JWTs naming a room, an identity, a display name and grants. */
export class TokenService {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  static randomSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  async mint(options: MintOptions): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + options.ttlS;
    if (!RoomId.safeParse(options.room).success) throw new TypeError('room must be 1-64 of [A-Za-z0-9_-]');
    if (options.identity.length < 1 || options.identity.length > 128) throw new TypeError('identity must be 1-128 characters');
    const name = DisplayName.safeParse(options.name ?? options.identity.slice(0, 64));
    if (!name.success) throw new TypeError('name must be 1-64 characters');
    const grants = Grants.parse(options.grants ?? {});
    const token = await new SignJWT({ room: options.room, name: name.data, metadata: options.metadata, grants })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(options.identity)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(this.#key);
    return { token, expiresAt: expiresAt * 1000 };
  }

  /** Verifies signature, issuer, audience and expiry; throws ProtocolError with a stable code. */
  async verify(token: string): Promise<RoomTokenClaims> {
    let payload: Record<string, unknown>;
    try {
      // A token without an expiry would be valid forever: refuse it.
      ({ payload } = await jwtVerify(token, this.#key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new ProtocolError('TOKEN_EXPIRED', 'room token has expired');
      throw new ProtocolError('TOKEN_INVALID', 'room token is not valid');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new ProtocolError('TOKEN_INVALID', 'room token lacks room or identity claims');
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
    const { room, sub, name, metadata, grants } = claims.data;
    return { room, identity: sub, name: name ?? sub.slice(0, 64), metadata: metadata ?? '', grants, expiresAt: exp };
  }
}

/**
 * Time-limited TURN credentials (the REST scheme coturn calls `use-auth-secret`):
 * username `expiry:user`, password base64(HMAC-SHA1(secret, username)).
 */
export function turnCredentials(secret: string, user: string, ttlS: number, nowMs = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlS}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export function iceServersFor(identity: string, servers: IceServer[], turn: { urls: string[]; secret: string; ttlS: number } | undefined): IceServer[] {
  if (!turn) return servers;
  return [...servers, { urls: turn.urls, ...turnCredentials(turn.secret, identity, turn.ttlS) }];
}
