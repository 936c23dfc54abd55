import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type LabNetwork } from './lab.ts';
import { NAT_TYPES, type NatType } from './nat.ts';
import { applyNetem, hasNetem, NetemUnsupportedError } from './netem.ts';
import type { ProbeResult } from './nat-probe.ts';

/**
 * The NAT recipes behave as their names say: a UDP probe (RFC 5780 style) from each client against
 * reflectors on two addresses and two ports of the public segment. And the netem profiles do what
 * this kernel allows.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = 'test/lab/nat-probe.ts';

const EXPECTED: Record<NatType, ProbeResult> = {
  'full-cone': { udp: true, mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'address-restricted': { udp: true, mapping: 'endpoint-independent', filtering: 'address-dependent' },
  'port-restricted': { udp: true, mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  symmetric: { udp: true, mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
  'udp-blocked': { udp: false },
  'tcp443-only': { udp: false },
};

let lab: Lab;
let reflector: ChildProcess;

function runProbe(net: LabNetwork, args: string[]): unknown {
  const out = execFileSync('ip', ['netns', 'exec', net.client, process.execPath, '--import', 'tsx', PROBE, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop() ?? 'null');
}

beforeAll(async () => {
  lab = Lab.create(NAT_TYPES.map((type) => ({ name: type, type })));
  reflector = spawn('ip', ['netns', 'exec', lab.pub, process.execPath, '--import', 'tsx', PROBE, 'reflect'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    reflector.stdout?.once('data', () => resolve());
    reflector.once('exit', (code) => reject(new Error(`reflector exited with ${code}`)));
  });
}, 30_000);

afterAll(() => {
  reflector?.kill();
  lab?.destroy();
});

describe('NAT recipes classify as intended (RFC 4787 mapping and filtering)', () => {
  for (const type of NAT_TYPES) {
    it(type, () => {
      lab.resetNatState();
      expect(runProbe(lab.network(type), ['probe'])).toEqual(EXPECTED[type]);
    });
  }
});

describe('netem profiles on a lab link', () => {
  it('loss: about the requested share of datagrams is dropped', () => {
    const net = lab.network('port-restricted');
    const remove = applyNetem(net.router, 'wan', { lossPercent: 30 });
    try {
      const r = runProbe(net, ['blast', '400', '200', '2']) as { sent: number; received: number };
      const lost = 1 - r.received / r.sent;
      expect(lost).toBeGreaterThan(0.18);
      expect(lost).toBeLessThan(0.42);
    } finally {
      remove();
    }
    const after = runProbe(net, ['blast', '100', '200', '2']) as { received: number };
    expect(after.received, 'removing the profile restores the link').toBe(100);
  });

  it('rate: throughput is held near the limit', () => {
    const net = lab.network('port-restricted');
    // 1000-byte datagrams every 2 ms ≈ 4 Mbit/s offered into a 1 Mbit/s class.
    const remove = applyNetem(net.router, 'wan', { rateKbit: 1000, queuePackets: 20 });
    try {
      const r = runProbe(net, ['blast', '750', '1000', '2']) as { sent: number; received: number; elapsedMs: number; receivedBytes: number };
      const kbit = (r.received * 1000 * 8) / (r.elapsedMs + 1000);
      expect(kbit).toBeGreaterThan(500);
      expect(kbit).toBeLessThan(1500);
      expect(r.received).toBeLessThan(r.sent * 0.6);
    } finally {
      remove();
    }
  });

  it('delay and jitter: applied with netem, or refused with a clear reason where the kernel lacks it', () => {
    const net = lab.network('port-restricted');
    if (hasNetem(net.router)) {
      applyNetem(net.router, 'wan', { delayMs: 50, jitterMs: 10 })();
      return;
    }
    expect(() => applyNetem(net.router, 'wan', { delayMs: 50, jitterMs: 10 })).toThrow(NetemUnsupportedError);
    expect(() => applyNetem(net.router, 'wan', { delayMs: 50 })).toThrow(/no sch_netem/);
  });

  it('nothing left the lab', () => {
    expect(lab.guardCounts().filter((g) => g.packets !== 0)).toEqual([]);
  });
});
