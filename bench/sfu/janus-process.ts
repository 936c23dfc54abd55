/**
 * Runs Debian's Janus for the bench: a veth interface with a lab address inside the bench's own network namespace
 * (Janus skips loopback when gathering), a generated configuration in a temporary folder, and the process itself,
 * optionally pinned to one CPU. Everything is torn down by `stop()`; the interface dies with the namespace.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../signaling/common.ts';
import { JANUS_LIB_DIR, janusConfigFiles } from './janus-config.ts';

export const JANUS_BIN = '/usr/bin/janus';
export const BENCH_IFACE = 'pbench0';
const BENCH_PEER_IFACE = 'pbench1';
/** RFC 5737-style lab-only address: 10.77.0.0/24 exists only inside the bench namespace. */
export const BENCH_ADDRESS = '10.77.0.1';

export interface JanusProcess {
  pid: number;
  url: string;
  logTail(): string;
  stop(): Promise<void>;
}

/** Adds the bench interface once; the caller has checked we are in a namespace of our own (run.ts). */
export function addBenchInterface(): void {
  if (spawnSync('ip', ['-o', 'addr', 'show', 'dev', BENCH_IFACE]).status === 0) return;
  // A veth pair with both ends here (the kernel may lack the dummy driver); packets to the address stay local.
  const steps = [
    ['link', 'add', BENCH_IFACE, 'type', 'veth', 'peer', 'name', BENCH_PEER_IFACE],
    ['addr', 'add', `${BENCH_ADDRESS}/24`, 'dev', BENCH_IFACE],
    ['link', 'set', BENCH_PEER_IFACE, 'up'],
    ['link', 'set', BENCH_IFACE, 'up'],
  ];
  for (const args of steps) {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }
}

const libs = (sub: string): string[] => {
  try {
    return readdirSync(join(JANUS_LIB_DIR, sub)).filter((f) => f.endsWith('.so'));
  } catch {
    return [];
  }
};

export async function startJanus(options: { httpPort: number; cpu?: number; eventLoops?: number }): Promise<JanusProcess> {
  if (!existsSync(JANUS_BIN)) throw new Error(`${JANUS_BIN} not found: apt-get install -y janus`);
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-janus-'));
  const files = janusConfigFiles({
    configDir: dir, iceInterface: BENCH_IFACE, httpPort: options.httpPort, rtpPortRange: [20000, 20999],
    plugins: libs('plugins'), transports: libs('transports'), loggers: libs('loggers'), ...(options.eventLoops ? { eventLoops: options.eventLoops } : {}),
  });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const args = ['-C', join(dir, 'janus.jcfg'), '-F', dir, '--disable-colors', '-E', BENCH_IFACE];
  const pin = options.cpu !== undefined && existsSync('/usr/bin/taskset') && process.env.PARLEY_BENCH_PIN !== '0';
  const child: ChildProcess = pin ? spawn('/usr/bin/taskset', ['-c', String(options.cpu), JANUS_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(JANUS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.httpPort}/janus`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when the HTTP transport answers `info` (bounded: 20 s).
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/info`);
      if (r.ok) return { pid: child.pid as number, url, logTail: () => log.slice(-4000), stop };
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`janus did not come up:\n${log.slice(-3000)}`);
}
