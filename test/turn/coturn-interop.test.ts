import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { RestSecretCredentials } from '@parley/turn';
import { startTurn, until, type TurnHarness } from './harness.ts';

const run = promisify(execFile);
const haveCoturn = spawnSync('sh', ['-c', 'command -v turnutils_uclient && command -v turnutils_stunclient && command -v turnutils_peer'], { stdio: 'ignore' }).status === 0;
const SECRET = 'interop-secret';
const PEER_PORT = 3480;

/** coturn's own client tools (Debian `coturn`) against Parley's TURN server, all on 127.0.0.1 in the test namespace. */
describe.skipIf(!haveCoturn)('interop with coturn client tools', () => {
  let h: TurnHarness;
  let peer: ChildProcess;

  beforeAll(async () => {
    h = await startTurn({ allowLoopback: true, credentials: new RestSecretCredentials(SECRET) });
    // turnutils_peer echoes what it receives: uclient counts the echoes.
    peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(PEER_PORT)], { stdio: 'ignore' });
    await until(() => peer.pid !== undefined, 1000);
  });

  afterAll(async () => {
    if (peer.pid !== undefined) peer.kill('SIGTERM');
    await h.close();
  });

  /** Runs a coturn tool under `timeout` (turnutils_stunclient waits forever without an answer). */
  async function tool(args: string[], seconds = 20): Promise<string> {
    try {
      const { stdout, stderr } = await run('timeout', [String(seconds), ...args], { maxBuffer: 4 << 20 });
      return stdout + stderr;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      throw new Error(`${args[0]} failed (exit ${String(e.code)}):\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
    }
  }

  it('turnutils_stunclient gets its reflexive address', async () => {
    const out = await tool(['turnutils_stunclient', '-p', String(h.udp.port), '127.0.0.1'], 5);
    expect(out).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });

  it.each([
    ['UDP, channels', []],
    ['UDP, Send indications', ['-s']],
    ['TCP, channels', ['-t']],
    ['TCP, Send indications', ['-t', '-s']],
  ])('turnutils_uclient relays with REST credentials over %s with no loss', async (_name, flags) => {
    const out = await tool(['turnutils_uclient', ...flags, '-W', SECRET, '-e', '127.0.0.1', '-r', String(PEER_PORT), '-n', '20', '-m', '2', '-p', String(h.udp.port), '127.0.0.1']);
    const sent = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(out.split('\n').filter((l) => l.includes('tot_send_msgs=') && !l.includes('msz=')).pop() ?? '');
    expect(sent, out).not.toBeNull();
    expect(Number(sent?.[1])).toBeGreaterThan(0);
    expect(sent?.[2]).toBe(sent?.[1]);
    expect(out).toMatch(/Total lost packets 0 \(0\.0+%\)/);
  });
});
