import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natRuleset, natStateSets, type NatType } from './nat.ts';

/**
 * A network lab built from namespaces (docs/nat-lab.md):
 *
 *   [pub]  br0 198.18.0.2 (TURN), 198.18.0.3 (signaling + web)
 *    ├── veth ── [router k] wan 198.18.0.(10+k) ── NAT ── lan 10.77.k.1 ── veth ── [client k] 10.77.k.2
 *    └── …
 *
 * Every veth is created from inside a lab namespace with its peer placed straight into another lab
 * namespace, so nothing is ever added to the root namespace. Every namespace gets an egress guard.
 */

export const PUBLIC_SUBNET = '198.18.0.0/24';
export const TURN_ADDRESS = '198.18.0.2';
export const SIGNALING_ADDRESS = '198.18.0.3';
const PREFIX = 'plab';

export interface NetworkSpec {
  /** Short name, unique in the lab: `symmetric-a`. */
  name: string;
  type: NatType;
}

export interface LabNetwork extends NetworkSpec {
  router: string;
  client: string;
  wanAddress: string;
  clientAddress: string;
  subnet: string;
}

export interface GuardCount {
  namespace: string;
  packets: number;
  /** IPv4 destinations (address/protocol) of what was dropped, for the failure message. */
  destinations: string[];
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs a command inside a namespace and returns its stdout. */
export function nsExec(ns: string, cmd: string, args: string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/** Kills whatever still runs in a namespace (browsers, the server), then deletes it. Never throws. */
function deleteNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').map(Number).filter((n) => n > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

/** Deletes namespaces left by earlier runs that crashed before their teardown (their pid is gone). */
export function removeStaleNamespaces(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const m = new RegExp(`^${PREFIX}(\\d+)x\\d+-`).exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  for (const ns of stale) deleteNamespace(ns);
  return stale;
}

let labCounter = 0;

/** The egress guard: count and drop anything whose destination is not one of the lab's ranges. */
function guardRuleset(subnets: string[]): string {
  return `table inet plab_guard {
  counter escaped { }
  set lab4 { type ipv4_addr; flags interval; elements = { 127.0.0.0/8, ${[PUBLIC_SUBNET, ...subnets].join(', ')} }; }
  set offenders { type ipv4_addr . inet_proto; flags dynamic; size 256; }
  chain output {
    type filter hook output priority -10; policy accept;
    meta nfproto ipv4 ip daddr != @lab4 update @offenders { ip daddr . meta l4proto } counter name "escaped" drop
    meta nfproto ipv6 ip6 daddr != ::1 counter name "escaped" drop
  }
  chain forward {
    type filter hook forward priority -10; policy accept;
    meta nfproto ipv4 ip daddr != @lab4 update @offenders { ip daddr . meta l4proto } counter name "escaped" drop
    meta nfproto ipv6 counter name "escaped" drop
  }
}
`;
}

export class Lab {
  readonly id: string;
  readonly pub: string;
  readonly networks = new Map<string, LabNetwork>();
  /** A scratch directory for certificates, configs and wrapper scripts; removed on destroy. */
  readonly dir: string;
  readonly #namespaces: string[] = [];
  #destroyed = false;
  readonly #onExit = (): void => this.destroy();

  private constructor() {
    this.id = `${PREFIX}${process.pid}x${++labCounter}`;
    this.pub = `${this.id}-pub`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.id}-`));
  }

  /** Builds the public segment and one NAT router + client namespace per spec. Tears down on failure. */
  static create(specs: NetworkSpec[]): Lab {
    if (specs.length > 200) throw new RangeError('at most 200 networks');
    for (const tool of ['nft', 'conntrack']) {
      if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) throw new Error(`the lab needs \`${tool}\` (apt-get install ${tool === 'nft' ? 'nftables' : tool}; npm test installs it)`);
    }
    removeStaleNamespaces();
    const lab = new Lab();
    process.once('exit', lab.#onExit);
    try {
      lab.#build(specs);
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  #addNamespace(name: string): string {
    ip(['netns', 'add', name]);
    this.#namespaces.push(name);
    // No IPv6 anywhere, and every link is created with multicast off: link-local chatter (router
    // solicitations, MLD, IGMP reports to 224.0.0.22) stays on lab links but would muddy the guard.
    nsExec(name, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv4.igmp_link_local_mcast_reports=0']);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  #build(specs: NetworkSpec[]): void {
    const pub = this.#addNamespace(this.pub);
    ip(['-n', pub, 'link', 'add', 'name', 'br0', 'type', 'bridge']);
    ip(['-n', pub, 'addr', 'add', `${TURN_ADDRESS}/24`, 'dev', 'br0']);
    ip(['-n', pub, 'addr', 'add', `${SIGNALING_ADDRESS}/24`, 'dev', 'br0']);
    ip(['-n', pub, 'link', 'set', 'br0', 'multicast', 'off', 'up']);
    specs.forEach((spec, i) => {
      const k = i + 1;
      if (this.networks.has(spec.name)) throw new Error(`duplicate network name ${spec.name}`);
      const router = this.#addNamespace(`${this.id}-r${k}`);
      const client = this.#addNamespace(`${this.id}-c${k}`);
      const net: LabNetwork = { ...spec, router, client, wanAddress: `198.18.0.${10 + k}`, clientAddress: `10.77.${k}.2`, subnet: `10.77.${k}.0/24` };
      // Created inside the router namespace, the far ends go straight into pub and the client.
      ip(['-n', router, 'link', 'add', 'name', 'wan', 'type', 'veth', 'peer', 'name', `r${k}`, 'netns', pub]);
      ip(['-n', pub, 'link', 'set', `r${k}`, 'master', 'br0', 'multicast', 'off', 'up']);
      ip(['-n', router, 'addr', 'add', `${net.wanAddress}/24`, 'dev', 'wan']);
      ip(['-n', router, 'link', 'set', 'wan', 'multicast', 'off', 'up']);
      ip(['-n', router, 'link', 'add', 'name', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client]);
      ip(['-n', router, 'addr', 'add', `10.77.${k}.1/24`, 'dev', 'lan']);
      ip(['-n', router, 'link', 'set', 'lan', 'multicast', 'off', 'up']);
      ip(['-n', client, 'addr', 'add', `${net.clientAddress}/24`, 'dev', 'eth0']);
      ip(['-n', client, 'link', 'set', 'eth0', 'multicast', 'off', 'up']);
      ip(['-n', client, 'route', 'add', 'default', 'via', `10.77.${k}.1`]);
      nsExec(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      nsExec(router, 'nft', ['-f', '-'], natRuleset(spec.type, { wanAddress: net.wanAddress, clientAddress: net.clientAddress }));
      this.networks.set(spec.name, net);
    });
    const subnets = [...this.networks.values()].map((n) => n.subnet);
    for (const ns of this.#namespaces) nsExec(ns, 'nft', ['-f', '-'], guardRuleset(subnets));
  }

  network(name: string): LabNetwork {
    const n = this.networks.get(name);
    if (!n) throw new Error(`no network ${name} in this lab`);
    return n;
  }

  get namespaces(): readonly string[] {
    return this.#namespaces;
  }

  /** Packets the egress guard dropped, per namespace (all zero unless something tried to leave). */
  guardCounts(): GuardCount[] {
    return this.#namespaces.map((ns) => {
      const json = JSON.parse(nsExec(ns, 'nft', ['-j', 'list', 'counter', 'inet', 'plab_guard', 'escaped'])) as { nftables: Array<{ counter?: { packets: number } }> };
      const packets = json.nftables.find((e) => e.counter)?.counter?.packets ?? -1;
      const set = packets === 0 ? '' : nsExec(ns, 'nft', ['list', 'set', 'inet', 'plab_guard', 'offenders']);
      const destinations = /elements = \{([^}]*)\}/.exec(set)?.[1]?.split(',').map((e) => e.trim().replace(' . ', '/')) ?? [];
      return { namespace: ns, packets, destinations };
    });
  }

  /** Forgets every NAT mapping and connection: conntrack tables and the full-cone sets of each router. */
  resetNatState(): void {
    for (const net of this.networks.values()) {
      spawnSync('ip', ['netns', 'exec', net.router, 'conntrack', '-F'], { stdio: 'ignore' });
      for (const set of natStateSets(net.type)) nsExec(net.router, 'nft', ['flush', 'set', 'ip', 'plab_nat', set]);
    }
  }

  /** Idempotent and synchronous, so it also runs from an `exit` handler after a crash. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    process.off('exit', this.#onExit);
    // Clients first: a browser dies before the network under it does.
    for (const ns of [...this.#namespaces].reverse()) deleteNamespace(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
