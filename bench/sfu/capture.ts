/**
 * A bounded packet capture on the namespace's loopback interface for `residence.ts`: tcpdump (Debian `tcpdump`),
 * nanosecond timestamps, UDP headers only, pinned to the load clients' core. Optional: without tcpdump the bench
 * says so and skips the figure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TCPDUMP = '/usr/bin/tcpdump';

export function captureAvailable(): boolean {
  return existsSync(TCPDUMP) && spawnSync(TCPDUMP, ['--version']).status === 0;
}

export interface Capture {
  /** Stops the capture (bounded), returns the pcap file's bytes and tcpdump's own count of packets it dropped. */
  stop(): Promise<{ pcap: Buffer; droppedByKernel: number }>;
}

/** Starts capturing; resolves once tcpdump listens. Ethernet/IPv4/UDP headers + the RTP fixed header fit in 64 bytes. */
export async function startCapture(cpu: number): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-pcap-'));
  const file = join(dir, 'lo.pcap');
  const args = ['-i', 'lo', '-n', '-s', '64', '-B', '32768', '--time-stamp-precision=nano', '-w', file, 'udp'];
  const child = existsSync('/usr/bin/taskset') ? spawn('/usr/bin/taskset', ['-c', String(cpu), TCPDUMP, ...args], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(TCPDUMP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 5000;
  while (!stderr.includes('listening on') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  if (!stderr.includes('listening on')) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`tcpdump did not start: ${stderr.trim().slice(0, 300)}`);
  }
  return {
    async stop() {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      try {
        const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
        return { pcap: readFileSync(file), droppedByKernel: dropped ? Number(dropped[1]) : Number.NaN };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
