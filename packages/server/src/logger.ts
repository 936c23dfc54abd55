import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that may hold secrets; pino replaces them before anything is written. */
const REDACT = [
  'token', '*.token', 'secret', '*.secret', 'password', '*.password', 'credential', '*.credential',
  'resumeToken', '*.resumeToken', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'apiKey', '*.apiKey',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { service: 'parley' }, redact: { paths: REDACT, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination as pino.DestinationStream | undefined,
  );
}
