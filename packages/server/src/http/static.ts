import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self)',
};

/** Serves the built web app; unknown paths without an extension get index.html (client-side routes). */
export class StaticFiles {
  readonly #root: string;
  constructor(root: string) {
    this.#root = resolve(root);
  }

  get available(): boolean {
    return this.#file(join(this.#root, 'index.html')) !== undefined;
  }

  #file(path: string): { size: number } | undefined {
    try {
      const st = statSync(path);
      return st.isFile() ? { size: st.size } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Returns false when nothing matched (the caller answers 404). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    if (decoded.includes('\0')) return false;
    let path = normalize(join(this.#root, decoded));
    if (path !== this.#root && !path.startsWith(this.#root + sep)) return false;
    let file = this.#file(path);
    if (!file && extname(decoded) === '') {
      path = join(this.#root, 'index.html');
      file = this.#file(path);
    }
    if (!file) return false;
    const immutable = decoded.startsWith('/assets/');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
    return true;
  }
}
