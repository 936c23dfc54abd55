import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built web app; `npm test` builds it before the browser tests run. PARLEY_WEB_DIR points at another build. */
export const WEB_DIR = process.env.PARLEY_WEB_DIR ?? fileURLToPath(new URL('../../packages/web/dist', import.meta.url));

export function requireWebBuild(): string {
  if (!existsSync(`${WEB_DIR}/index.html`)) throw new Error('packages/web is not built: run `npm run build` (npm test does it)');
  return WEB_DIR;
}
