import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { loadConfig, ConfigError, setConfigPath } from './config.ts';
import { TokenService } from './auth.ts';
import { startServer } from './server.ts';

const HELP = `parley — self-hosted real-time rooms on WebRTC

Usage:
  parley start [options]            start the server (web app, API, signaling, STUN/TURN)
  parley token --room R --identity I [--name N] [--metadata M] [--ttl S]
                                    print a room token signed with auth.secret
  parley --help                     this text

Options for start:
  -c, --config FILE                 JSON config file (see docs/configuration.md)
      --host HOST                   interface to listen on (default 127.0.0.1)
  -p, --port PORT                   port (default 8080)
      --public-url URL              URL people open, when behind a proxy
      --tls-cert FILE --tls-key FILE   serve HTTPS
      --self-signed                 serve HTTPS with a throwaway certificate (LAN trials)
      --require-external-tokens     accept only tokens minted by your backend
      --log-level LEVEL             fatal|error|warn|info|debug|trace|silent

Environment: PARLEY_HOST, PARLEY_PORT, PARLEY_PUBLIC_URL, PARLEY_TLS_CERT, PARLEY_TLS_KEY,
PARLEY_SELF_SIGNED, PARLEY_AUTH_SECRET, PARLEY_API_KEY, PARLEY_REQUIRE_EXTERNAL_TOKENS,
PARLEY_LOG_LEVEL, PARLEY_WEB_DIR, PARLEY_TURN_ENABLED, PARLEY_TURN_PUBLIC_ADDRESS, PARLEY_TURN_SECRET.
Precedence: flags > environment > file > defaults. The built-in STUN/TURN server listens on
UDP/TCP 3478 (TLS 5349 with a certificate) beside signaling: see docs/turn.md.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'public-url': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'self-signed': { type: 'boolean' },
  'require-external-tokens': { type: 'boolean' },
  'log-level': { type: 'string' },
  room: { type: 'string' },
  identity: { type: 'string' },
  name: { type: 'string' },
  metadata: { type: 'string' },
  ttl: { type: 'string' },
} as const;

function flagsToConfig(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const map: Record<string, string> = {
    host: 'server.host', 'public-url': 'server.publicUrl', 'tls-cert': 'tls.cert', 'tls-key': 'tls.key',
    'self-signed': 'tls.selfSigned', 'require-external-tokens': 'auth.requireExternalTokens', 'log-level': 'log.level',
  };
  for (const [flag, path] of Object.entries(map)) if (values[flag] !== undefined) setConfigPath(out, path, values[flag]);
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port)) throw new ConfigError(`--port: expected a number, got "${String(values.port)}"`);
    setConfigPath(out, 'server.port', port);
  }
  return out;
}

/** The built web app, when this checkout has one. */
function defaultWebDir(): string | undefined {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');
  return existsSync(dir) ? dir : undefined;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`parley: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), env: process.env, flags: flagsToConfig(values) });
    if (command === 'token') {
      if (!values.room || !values.identity) throw new ConfigError('token needs --room and --identity');
      if (!config.auth.secret) throw new ConfigError('token needs auth.secret (PARLEY_AUTH_SECRET or the config file), the same the server uses');
      const ttlS = values.ttl !== undefined ? Number(values.ttl) : 3600;
      if (!Number.isInteger(ttlS) || ttlS <= 0) throw new ConfigError('--ttl must be a positive number of seconds');
      const { token } = await new TokenService(config.auth.secret)
        .mint({
          room: values.room,
          identity: values.identity,
          ...(values.name ? { name: values.name } : {}),
          ...(values.metadata ? { metadata: values.metadata } : {}),
          ttlS,
        })
        .catch((err: unknown) => {
          throw err instanceof TypeError ? new ConfigError(`token: ${err.message}`) : err;
        });
      process.stdout.write(`${token}\n`);
      return 0;
    }
    if (command !== 'start') {
      process.stderr.write(`parley: unknown command "${command}"\n\n${HELP}`);
      return 2;
    }
    const server = await startServer({ config, webDir: config.web.dir ?? defaultWebDir() });
    server.logger.info({ url: server.url }, 'parley is running');
    process.stdout.write(`\n  Parley is running: open ${server.url}\n\n`);
    const stop = (signal: string): void => {
      server.logger.info({ signal }, 'shutting down');
      server.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1; // keep running
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`parley: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`parley: the port is already in use (${e.message}); choose another with --port\n`);
      return 1;
    }
    process.stderr.write(`parley: ${e.message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
