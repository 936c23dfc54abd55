import { readFileSync } from 'node:fs';
import { generate } from 'selfsigned';
import type { Config } from './config.ts';
import { ConfigError } from './config.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
  selfSigned: boolean;
}

/** The certificate to serve HTTPS with, if any: from files, or a fresh self-signed one. */
export async function loadTls(config: Config): Promise<TlsMaterial | undefined> {
  const { cert, key, selfSigned } = config.tls;
  if (cert && key) {
    try {
      return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), selfSigned: false };
    } catch (err) {
      throw new ConfigError(`cannot read TLS certificate or key: ${(err as Error).message}`);
    }
  }
  if (!selfSigned) return undefined;
  const host = config.server.host;
  const altNames: Array<{ type: 2; value: string } | { type: 7; ip: string }> = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
  ];
  if (/^[\d.]+$/.test(host) && host !== '0.0.0.0' && host !== '127.0.0.1') altNames.push({ type: 7, ip: host });
  const pems = await generate([{ name: 'commonName', value: 'parley.local' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames }],
  });
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
