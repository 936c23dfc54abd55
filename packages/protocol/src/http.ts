import { z } from 'zod';
import { AudioOnly, DisplayName, MAX_AUDIO_SLOTS, Metadata, RoomId, Topology, TopologyPolicy } from './messages.ts';

/** Body of `POST /api/rooms`. */
export const CreateRoomRequest = z.object({
  id: RoomId.optional(),
  maxParticipants: z.number().int().min(2).max(1000).optional(),
  /** `auto` (default): mesh up to `meshMax` participants, SFU beyond; `mcu`: the server mixes (one stream each way). */
  topology: TopologyPolicy.optional(),
  /** For `auto`: the largest mesh; participant meshMax + 1 switches the room to the SFU. */
  meshMax: z.number().int().min(1).max(16).optional(),
  /**
   * An audio-only room for many listeners: SFU from the start, microphones only, and each participant receives the
   * `loudest` (default 3) loudest voices but their own in as many fixed audio slots.
   */
  audioOnly: z.boolean().optional(),
  loudest: z.number().int().min(1).max(MAX_AUDIO_SLOTS).optional(),
}).refine((r) => r.loudest === undefined || r.audioOnly === true, { message: 'loudest needs audioOnly: true', path: ['loudest'] })
  .refine((r) => r.audioOnly !== true || r.topology === undefined || r.topology === 'sfu', { message: 'an audioOnly room uses the SFU: topology must be absent or "sfu"', path: ['topology'] });
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;

export const RoomInfo = z.object({
  id: RoomId,
  topology: Topology,
  policy: TopologyPolicy,
  maxParticipants: z.number().int(),
  participants: z.number().int(),
  createdAt: z.number().int(),
  audioOnly: AudioOnly.optional(),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

/** Body of `POST /api/rooms/:id/tokens` (only when the server mints tokens for its own web app). */
/** The server picks the identity itself: a caller of this open endpoint cannot take over someone else's. */
export const TokenRequest = z.object({ name: DisplayName, metadata: Metadata.optional() }).strict();
export type TokenRequest = z.infer<typeof TokenRequest>;

export const TokenResponse = z.object({ token: z.string(), identity: z.string(), expiresAt: z.number().int() });
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Paths of the HTTP signaling transports (SSE + POST, long-poll). */
export const SignalPaths = {
  websocket: '/signal/ws',
  hello: '/signal/http/hello',
  send: '/signal/http/send',
  events: '/signal/http/events',
  poll: '/signal/http/poll',
} as const;
