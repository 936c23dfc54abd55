import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProtocolError } from '@parley/protocol';
import { httpStatusFor } from '../transports/codes.ts';

/** Reads a request body as UTF-8, refusing more than `limit` bytes (413). */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new ProtocolError('MESSAGE_TOO_LARGE', `body larger than ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ProtocolError('MESSAGE_TOO_LARGE', `body larger than ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendRawJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ProtocolError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, httpStatusFor(error.code), { type: 'error', error: error.toBody() });
}

export function asProtocolError(err: unknown): ProtocolError {
  return err instanceof ProtocolError ? err : new ProtocolError('INTERNAL_ERROR', 'internal error');
}

/** `Authorization: Bearer <x>` → x. */
export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}
