import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { IceServer } from '@parley/protocol';

/** The one configuration schema. Every field has a default, so `parley start` needs nothing. */
/** Every level is strict: a misspelt key anywhere fails at start instead of being silently dropped. */
export const ConfigSchema = z
  .object({
    server: z
      .strictObject({
        /** Interface to listen on. Loopback by default: expose on purpose (`--host 0.0.0.0`). */
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** The URL people open, when it differs from what we listen on (reverse proxy, NAT). */
        publicUrl: z.url().optional(),
      })
      .prefault({}),
    tls: z
      .strictObject({
        cert: z.string().optional(),
        key: z.string().optional(),
        /** Generate a throwaway self-signed certificate (for trials on a LAN). */
        selfSigned: z.boolean().default(false),
      })
      .prefault({})
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'tls.cert and tls.key must be given together' }),
    auth: z
      .strictObject({
        /** HMAC secret for room tokens (HS256). Generated per process when absent. */
        secret: z.string().min(32, 'auth.secret must be at least 32 characters').optional(),
        /** Accept only tokens minted by the operator's backend; the server mints none itself. */
        requireExternalTokens: z.boolean().default(false),
        /** Lifetime of tokens the server mints for its own web app. */
        tokenTtlS: z.number().int().min(60).max(7 * 24 * 3600).default(6 * 3600),
        /** When set, `POST /api/rooms` needs `Authorization: Bearer <apiKey>`. */
        apiKey: z.string().min(16).optional(),
      })
      .prefault({}),
    rooms: z
      .strictObject({
        maxParticipants: z.number().int().min(2).max(1000).default(50),
        maxRooms: z.number().int().min(1).default(10_000),
        /** Create a room on first join when a valid token names one that does not exist. */
        autoCreate: z.boolean().default(true),
        /** Chat messages each room keeps for late joiners (in memory). */
        chatHistory: z.number().int().min(0).max(10_000).default(200),
        /** An empty room is deleted after this long. */
        emptyTtlMs: z.number().int().min(1000).default(5 * 60_000),
        /** Topology of rooms created without one: `auto` is mesh while small, SFU beyond `meshMax`. */
        topology: z.enum(['mesh', 'sfu', 'mcu', 'auto']).default('auto'),
        /** For `auto`: the largest mesh. Participant meshMax + 1 switches the room to the SFU. */
        meshMax: z.number().int().min(1).max(16).default(3),
        /** For `auto`: an SFU room back at meshMax or fewer returns to mesh once it has stayed so for this long. */
        meshReturnDelayMs: z.number().int().min(0).default(10_000),
      })
      .prefault({}),
    signaling: z
      .strictObject({
        maxMessageBytes: z.number().int().min(1024).max(1 << 20).default(64 * 1024),
        /** Frames above this close the WebSocket (1009); between the two limits they are refused with an error. */
        hardMaxMessageBytes: z.number().int().min(1024).max(16 << 20).default(1 << 20),
        ratePerSecond: z.number().positive().default(50),
        rateBurst: z.number().int().positive().default(200),
        resumeGraceMs: z.number().int().min(0).default(30_000),
        helloTimeoutMs: z.number().int().min(100).default(10_000),
        heartbeatMs: z.number().int().min(100).default(20_000),
        longPollTimeoutMs: z.number().int().min(100).default(25_000),
        /** Notifications kept for a session until acknowledged; beyond this a resume fails. */
        maxBufferedNotifications: z.number().int().min(16).default(2048),
        maxSessions: z.number().int().min(1).default(50_000),
      })
      .prefault({}),
    ice: z
      .strictObject({
        /** Handed to every participant in the welcome. Empty by default: host candidates only. */
        servers: z.array(IceServer).default([]),
        /** An external TURN server with a shared secret (coturn `use-auth-secret`): fresh credentials per participant. */
        turn: z
          .strictObject({ urls: z.array(z.string().min(1)).min(1), secret: z.string().min(8), ttlS: z.number().int().min(60).default(24 * 3600) })
          .optional(),
      })
      .prefault({}),
    /** The built-in STUN/TURN server (docs/turn.md). Not started when `ice.turn` names an external one. */
    turn: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Interface to listen on; defaults to server.host. */
        host: z.string().min(1).optional(),
        udpPort: z.number().int().min(0).max(65535).default(3478),
        tcpPort: z.number().int().min(0).max(65535).default(3478),
        /** TURN over TLS, started only when a certificate is available (tls.cert/key or tls.selfSigned). */
        tlsPort: z.number().int().min(0).max(65535).default(5349),
        /** The IP address clients reach this server at, when it differs from the listen address (NAT, 0.0.0.0). */
        publicAddress: z.ipv4().or(z.ipv6()).optional(),
        realm: z.string().min(1).max(127).default('parley'),
        /** REST shared secret (coturn use-auth-secret). Random per process when absent. */
        secret: z.string().min(8).optional(),
        /** Lifetime of the REST credentials handed out in each welcome. */
        ttlS: z.number().int().min(60).default(24 * 3600),
        /** Static long-term users (username → password), besides REST credentials. */
        users: z.record(z.string().min(1), z.string().min(1)).default({}),
        relay: z
          .strictObject({
            /** Address relay sockets bind to; defaults to the listening address. */
            address: z.ipv4().or(z.ipv6()).optional(),
            portMin: z.number().int().min(1024).max(65535).default(49152),
            portMax: z.number().int().min(1024).max(65535).default(65535),
          })
          .prefault({})
          .refine((r) => r.portMin <= r.portMax, { message: 'turn.relay.portMin must not exceed portMax' }),
        /** Peer CIDRs allowed even though the default policy refuses them (loopback, private, …). */
        allowPeers: z.array(z.string().min(1)).default([]),
        /** Extra peer CIDRs to refuse. */
        denyPeers: z.array(z.string().min(1)).default([]),
        lifetimes: z
          .strictObject({
            allocationS: z.number().int().min(1).default(600),
            maxAllocationS: z.number().int().min(1).default(3600),
            permissionS: z.number().int().min(1).default(300),
            channelS: z.number().int().min(1).default(600),
            nonceS: z.number().int().min(1).default(600),
          })
          .prefault({}),
        quota: z
          .strictObject({
            maxAllocationsPerUser: z.number().int().min(1).default(10),
            maxAllocations: z.number().int().min(1).default(10_000),
            /** Relayed bits per second per allocation and direction; 0 = unlimited. */
            maxBitrateBps: z.number().int().min(0).default(0),
          })
          .prefault({}),
      })
      .prefault({}),
    /** The SFU's media endpoint (docs/configuration.md): one UDP port for every participant, ICE-lite. */
    media: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Interface the UDP socket binds; defaults to server.host. */
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).default(40000),
        /** ICE-TCP (RFC 6544) port for clients whose network blocks UDP; default the same number as `port`; false: none. */
        tcpPort: z.union([z.number().int().min(0).max(65535), z.literal(false)]).optional(),
        /** The IP address clients reach the SFU at, written into its ICE candidate (needed behind NAT, or with host 0.0.0.0). */
        announcedAddress: z.ipv4().or(z.ipv6()).optional(),
        /**
         * V8's heap growing factor for this process while the SFU runs, in percent over the live heap (`--heap-growing-
         * percent`; default 100: the next full collection when the heap has doubled); 0 keeps V8's own. SRTP makes
         * short-lived off-heap memory at the packet rate, which V8 counts toward its next full collection: with its own
         * factor that is a full collection every ~0.7 s at 11,600 forwarded packets/s, with 100 one every ~5 s, and CPU
         * per packet falls by a quarter (docs/benchmarks.md). The process's RSS under that load was the same.
         */
        heapGrowingPercent: z.number().int().min(0).max(1000).default(100),
        /** The room data relay over SFU data channels (docs/protocol.md): what one participant may send. */
        data: z
          .strictObject({
            /** Bytes per second each participant may send into the relay (sustained), and the burst above it. */
            rateBytesPerSecond: z.number().int().min(1024).default(1024 * 1024),
            burstBytes: z.number().int().min(64 * 1024).default(2 * 1024 * 1024),
          })
          .prefault({}),
      })
      .prefault({}),
    /** The MCU (docs/configuration.md): mixes `mcu` rooms, one audio and one composite video per participant. */
    mcu: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Composite size (even numbers) and rate. */
        width: z.number().int().min(64).max(1920).multipleOf(2).default(640),
        height: z.number().int().min(64).max(1080).multipleOf(2).default(360),
        fps: z.number().int().min(1).max(30).default(15),
        /** Cap on each composite's bitrate (b=AS). */
        videoBitrateBps: z.number().int().min(50_000).max(10_000_000).default(800_000),
        /** `auto`: the active speaker large when someone speaks, a grid otherwise; `grid`: always the grid. */
        layout: z.enum(['auto', 'grid']).default('auto'),
        /**
         * UDP ports the MCU's connections use (libwebrtc: one port per participant's MCU connection, on each
         * interface): what a firewall must let in besides the SFU's port. Their candidates also carry
         * media.announcedAddress when it is set.
         */
        portRange: z
          .strictObject({ min: z.number().int().min(1024).max(65535), max: z.number().int().min(1024).max(65535) })
          .refine((r) => r.min <= r.max, { message: 'portRange.min must not exceed portRange.max' })
          .default({ min: 40100, max: 40299 }),
      })
      .prefault({}),
    log: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .prefault({}),
    web: z.strictObject({ dir: z.string().optional() }).prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

/** Environment variables and the config path each one sets. */
const ENV: Record<string, { path: string; kind: 'string' | 'number' | 'boolean' }> = {
  PARLEY_HOST: { path: 'server.host', kind: 'string' },
  PARLEY_PORT: { path: 'server.port', kind: 'number' },
  PARLEY_PUBLIC_URL: { path: 'server.publicUrl', kind: 'string' },
  PARLEY_TLS_CERT: { path: 'tls.cert', kind: 'string' },
  PARLEY_TLS_KEY: { path: 'tls.key', kind: 'string' },
  PARLEY_SELF_SIGNED: { path: 'tls.selfSigned', kind: 'boolean' },
  PARLEY_AUTH_SECRET: { path: 'auth.secret', kind: 'string' },
  PARLEY_API_KEY: { path: 'auth.apiKey', kind: 'string' },
  PARLEY_REQUIRE_EXTERNAL_TOKENS: { path: 'auth.requireExternalTokens', kind: 'boolean' },
  PARLEY_LOG_LEVEL: { path: 'log.level', kind: 'string' },
  PARLEY_WEB_DIR: { path: 'web.dir', kind: 'string' },
  PARLEY_TURN_ENABLED: { path: 'turn.enabled', kind: 'boolean' },
  PARLEY_TURN_PUBLIC_ADDRESS: { path: 'turn.publicAddress', kind: 'string' },
  PARLEY_TURN_SECRET: { path: 'turn.secret', kind: 'string' },
  PARLEY_MEDIA_ENABLED: { path: 'media.enabled', kind: 'boolean' },
  PARLEY_MEDIA_PORT: { path: 'media.port', kind: 'number' },
  PARLEY_MEDIA_TCP_PORT: { path: 'media.tcpPort', kind: 'number' },
  PARLEY_MEDIA_ANNOUNCED_ADDRESS: { path: 'media.announcedAddress', kind: 'string' },
  PARLEY_MEDIA_HEAP_GROWING_PERCENT: { path: 'media.heapGrowingPercent', kind: 'number' },
  PARLEY_MCU_ENABLED: { path: 'mcu.enabled', kind: 'boolean' },
  PARLEY_ROOM_TOPOLOGY: { path: 'rooms.topology', kind: 'string' },
  PARLEY_MESH_MAX: { path: 'rooms.meshMax', kind: 'number' },
};

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1] as string] = value;
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev) ? merge(prev as Json, v as Json) : v;
  }
  return out;
}

function coerce(name: string, raw: string, kind: 'string' | 'number' | 'boolean'): unknown {
  if (kind === 'string') return raw;
  if (kind === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name}: expected a number, got "${raw}"`);
    return n;
  }
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name}: expected true or false, got "${raw}"`);
}

export function configFromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const [name, { path, kind }] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw !== undefined) setPath(out, path, coerce(name, raw, kind));
  }
  return out;
}

function readConfigFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('top level must be an object');
    return value as Json;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Validates a plain object; throws ConfigError listing every problem with its path. */
export function parseConfig(input: unknown): Config {
  const result = ConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** Layers, weakest first: defaults, file, environment, command-line flags. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: Json } = {}): Config {
  let layered: Json = {};
  if (options.file) layered = merge(layered, readConfigFile(options.file));
  layered = merge(layered, configFromEnv(options.env ?? {}));
  if (options.flags) layered = merge(layered, options.flags);
  return parseConfig(layered);
}

export { setPath as setConfigPath };
