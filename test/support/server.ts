import { Writable } from 'node:stream';
import { parseConfig, startServer, createLogger, type ConfigInput, type ParleyServer } from '@parley/server';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type TestServerOverrides = DeepPartial<ConfigInput>;

export interface TestServer extends ParleyServer {
  /** ws://127.0.0.1:port */
  wsUrl: string;
  httpUrl: string;
  /** Log lines written by the server (JSON objects). */
  logs: Array<Record<string, unknown>>;
  token(room: string, identity: string, name?: string): Promise<string>;
  /** Creates a room through the REST API (e.g. with a topology). */
  createRoom(body: { id: string; topology?: 'mesh' | 'sfu' | 'mcu' | 'auto'; meshMax?: number; maxParticipants?: number; audioOnly?: boolean; loudest?: number }): Promise<void>;
}

/** Starts a real server on 127.0.0.1 and an ephemeral port, with logs captured in memory. */
export async function startTestServer(overrides: DeepPartial<ConfigInput> = {}, options: { webDir?: string } = {}): Promise<TestServer> {
  const input = {
    ...overrides,
    server: { host: '127.0.0.1', port: 0, ...(overrides.server ?? {}) },
    auth: { secret: TEST_SECRET, ...(overrides.auth ?? {}) },
    log: { level: 'info', ...(overrides.log ?? {}) },
    // The built-in TURN server binds fixed ports by default: tests that want it opt in (test/turn).
    turn: { enabled: false, ...(overrides.turn ?? {}) },
    // An ephemeral media port, so servers of parallel tests do not fight over 40000.
    media: { port: 0, ...(overrides.media ?? {}) },
  };
  const config = parseConfig(input);
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const server = await startServer({ config, logger: createLogger(config.log.level, sink), ...(options.webDir ? { webDir: options.webDir } : {}) });
  const httpUrl = `http://127.0.0.1:${server.port}`;
  return Object.assign(server, {
    wsUrl: `ws://127.0.0.1:${server.port}`,
    httpUrl,
    logs,
    token: async (room: string, identity: string, name?: string) =>
      (await server.tokens.mint({ room, identity, ...(name ? { name } : {}), ttlS: 600 })).token,
    createRoom: async (body: Parameters<TestServer['createRoom']>[0]) => {
      const res = await fetch(`${httpUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST /api/rooms: ${res.status} ${await res.text()}`);
    },
  });
}
