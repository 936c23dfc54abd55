import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignalPaths, CloseCodes } from '@parley/protocol';
import { ConfigError, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { TokenService } from './auth.ts';
import { SignalingService } from './signaling.ts';
import { WebSocketTransport } from './transports/websocket.ts';
import { HttpSignalTransport } from './transports/http.ts';
import { Api } from './http/api.ts';
import { StaticFiles } from './http/static.ts';
import { sendJson } from './http/io.ts';
import { loadTls } from './tls.ts';
import { startBuiltInTurn, type BuiltInTurn } from './turn.ts';
import { SfuService } from './sfu.ts';
import { McuService } from './mcu.ts';

export interface ParleyServerOptions {
  config: Config;
  logger?: Logger;
  /** Directory of the built web app; not served when absent. */
  webDir?: string;
  metrics?: Metrics;
}

export interface ParleyServer {
  readonly url: string;
  readonly port: number;
  readonly signaling: SignalingService;
  readonly tokens: TokenService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The built-in STUN/TURN server, when it runs. */
  readonly turn: BuiltInTurn | undefined;
  /** The SFU, when its media port is open. */
  readonly sfu: SfuService | undefined;
  /** The MCU, unless turned off (its engine loads with the first `mcu` room). */
  readonly mcu: McuService | undefined;
  close(): Promise<void>;
}

/** Wires config, auth, signaling, transports and HTTP together and starts listening. */
export async function startServer(options: ParleyServerOptions): Promise<ParleyServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = options.metrics ?? new Metrics();
  let secret = config.auth.secret;
  if (!secret) {
    if (config.auth.requireExternalTokens) throw new ConfigError('auth.requireExternalTokens needs auth.secret (PARLEY_AUTH_SECRET) shared with your backend');
    secret = TokenService.randomSecret();
    logger.info('no auth.secret configured: using a random one for this process (tokens end with it)');
  }
  const tokens = new TokenService(secret);
  // Filled in once the TURN server listens (it needs the signaling port for its peer policy).
  const deps: ConstructorParameters<typeof SignalingService>[0] = { config, tokens, metrics, logger };
  const signaling = new SignalingService(deps);
  const ws = new WebSocketTransport(signaling, config, logger);
  const http = new HttpSignalTransport(signaling, config, logger);
  const api = new Api(signaling, tokens, metrics, config);
  const webDir = options.webDir ?? config.web.dir;
  const files = webDir ? new StaticFiles(webDir) : undefined;
  const log = logger.child({ component: 'http' });

  const cors = (res: ServerResponse): void => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, last-event-id');
    res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://parley.invalid');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const path = url.pathname;
    const signal = path.startsWith('/signal/');
    if (signal || path.startsWith('/api/')) {
      cors(res);
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
    }
    const route = async (): Promise<void> => {
      if (signal) {
        if (path === SignalPaths.hello && req.method === 'POST') return http.hello(req, res, url);
        if (path === SignalPaths.send && req.method === 'POST') return http.send(req, res, url);
        if (path === SignalPaths.events && req.method === 'GET') return http.events(req, res, url);
        if (path === SignalPaths.poll && req.method === 'GET') return http.poll(req, res, url);
        if (path === SignalPaths.websocket) {
          sendJson(res, 426, { type: 'error', error: { code: 'BAD_REQUEST', message: 'this path expects a WebSocket upgrade' } });
          return;
        }
      } else if (await api.handle(req, res, url)) return;
      else if (files?.serve(req, res, path)) return;
      sendJson(res, 404, { type: 'error', error: { code: 'NOT_FOUND', message: 'not found' } });
    };
    route().catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { type: 'error', error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
      else res.end();
    });
  };

  const tls = await loadTls(config);
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(onRequest);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // SSE and long-poll responses are long by design
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== SignalPaths.websocket) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    ws.handleUpgrade(req, socket, head);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  // Before listening: a room created by the first join must already see whether an SFU exists.
  const sfu = await SfuService.start(config, logger, metrics);
  if (sfu) deps.sfu = sfu;
  const mcu = McuService.create(config, logger, metrics);
  if (mcu) deps.mcu = mcu;
  // An SFU room's participant can take the MCU's composite instead of a stream per participant.
  if (mcu && sfu) mcu.useSfu(sfu);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await sfu?.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  let turn: BuiltInTurn | undefined;
  try {
    turn = await startBuiltInTurn({ config, tls, logger, metrics, signalingPort: port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      // Another TURN server (coturn?) holds the port: calls on one network still work without ours.
      logger.warn({ err: (err as Error).message }, 'TURN port in use: running without the built-in TURN server (set turn.udpPort/tcpPort, or ice.turn for an external one)');
    } else {
      server.close();
      await sfu?.close();
      throw err;
    }
  }
  if (turn) deps.turn = turn.advertisement;
  const scheme = tls ? 'https' : 'http';
  const shownHost = config.server.host === '127.0.0.1' || config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  const url = config.server.publicUrl ?? `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  if (files && !files.available) logger.warn({ dir: webDir }, 'web app not built: only the API and signaling are served');
  if (tls?.selfSigned) logger.warn('serving HTTPS with a self-signed certificate: browsers will ask to trust it');

  let closed = false;
  return {
    url,
    port,
    signaling,
    tokens,
    metrics,
    logger,
    turn,
    sfu,
    mcu,
    async close() {
      if (closed) return;
      closed = true;
      await turn?.close();
      await sfu?.close();
      await mcu?.close();
      signaling.closeAll(CloseCodes.goingAway, 'server shutting down');
      ws.close();
      http.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
