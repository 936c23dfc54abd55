import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLIC_SUBNET, SIGNALING_ADDRESS, TURN_ADDRESS, type Lab } from './lab.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LabCertificate {
  certFile: string;
  keyFile: string;
  /** base64(SHA-256(SubjectPublicKeyInfo)): what `--ignore-certificate-errors-spki-list` takes. */
  spki: string;
}

/** A throwaway self-signed certificate for the lab's two server addresses. */
export function makeCertificate(dir: string): LabCertificate {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=parley-lab',
    '-addext', `subjectAltName=IP:${TURN_ADDRESS},IP:${SIGNALING_ADDRESS}`, '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  const der = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return { certFile, keyFile, spki: createHash('sha256').update(der).digest('base64') };
}

export interface LabServer {
  /** https://198.18.0.3 — signaling and the web app, on TCP 443 so even a 443-only network reaches it. */
  url: string;
  certificate: LabCertificate;
  /** The server's JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Starts `parley start` in the public namespace: signaling + web over HTTPS on 198.18.0.3:443, the
 * built-in TURN on 198.18.0.2 (UDP/TCP 3478, TLS 443). Two addresses because a 443-only network must
 * reach both signaling and TURN/TLS on port 443. The lab's own ranges are allow-listed as relay peers:
 * the default policy refuses private addresses, which is right in production.
 */
export async function startLabServer(lab: Lab, options: { timeoutMs?: number; rooms?: Record<string, unknown> } = {}): Promise<LabServer> {
  const certificate = makeCertificate(lab.dir);
  const config = {
    server: { host: SIGNALING_ADDRESS, port: 443 },
    tls: { cert: certificate.certFile, key: certificate.keyFile },
    auth: { secret: 'lab-secret-0123456789abcdef0123456789' },
    log: { level: 'info' },
    ...(options.rooms ? { rooms: options.rooms } : {}),
    // The SFU's one UDP port, on the signaling address (what its ICE candidate announces).
    media: { host: SIGNALING_ADDRESS, port: 40000 },
    turn: {
      enabled: true,
      host: TURN_ADDRESS,
      publicAddress: TURN_ADDRESS,
      udpPort: 3478,
      tcpPort: 3478,
      tlsPort: 443,
      secret: 'lab-turn-secret',
      relay: { address: TURN_ADDRESS, portMin: 49152, portMax: 50151 },
      allowPeers: [PUBLIC_SUBNET, ...[...lab.networks.values()].map((n) => n.subnet)],
    },
  };
  const configFile = join(lab.dir, 'parley.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn('ip', ['netns', 'exec', lab.pub, process.execPath, 'packages/server/bin/parley.mjs', 'start', '-c', configFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  let onReady: (() => void) | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{')) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
      if (line.includes('Parley is running')) onReady?.();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const ready = await Promise.race([
    new Promise<'ready'>((resolve) => (onReady = () => resolve('ready'))),
    exited.then((code) => `exited with ${code}`),
    new Promise<string>((resolve) => setTimeout(() => resolve(`not ready after ${timeoutMs} ms`), timeoutMs).unref()),
  ]);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  if (ready !== 'ready') {
    await stop();
    throw new Error(`parley in ${lab.pub} ${ready}: ${stderr.slice(-2000)}`);
  }
  return { url: `https://${SIGNALING_ADDRESS}`, certificate, logs, stop };
}
