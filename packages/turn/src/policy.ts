import { BlockList, isIP } from 'node:net';

/**
 * Which peers a client may reach through a relay (RFC 8656 §21.2: a TURN server must not
 * become a way into the networks behind it). Decision order:
 * 1. a (ip, port) that is one of this server's own service endpoints (TURN listeners,
 *    signaling) is always refused;
 * 2. an own relay address with a port inside the relay range is allowed: that is another
 *    client's relayed address, and two clients of one server must reach each other;
 * 3. an address in `allow` (CIDRs) is allowed;
 * 4. loopback, private (RFC 1918, CGNAT, ULA), link-local, multicast, unspecified, reserved,
 *    the server's own addresses and anything in `deny` are refused;
 * 5. anything else is allowed.
 */
export interface PeerPolicyOptions {
  allow?: string[];
  deny?: string[];
  /** Addresses this machine answers on (listen and relay addresses, interface addresses). */
  ownAddresses?: string[];
  relayAddresses?: string[];
  relayPortRange?: { min: number; max: number };
  /** Endpoints never reachable through a relay; address '*' means any own address. */
  protectedEndpoints?: Array<{ address: string; port: number }>;
}

const DEFAULT_DENY_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4',
];
const DEFAULT_DENY_V6 = ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '64:ff9b:1::/48'];

/** `::ffff:a.b.c.d` is the IPv4 address, for every check. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

function addCidr(list: BlockList, cidr: string): void {
  const [ip = '', bits] = cidr.split('/');
  const family = isIP(ip);
  if (family === 0) throw new TypeError(`not a CIDR or address: ${cidr}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(ip, type);
    return;
  }
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new TypeError(`bad prefix length in ${cidr}`);
  list.addSubnet(ip, prefix, type);
}

function has(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export type PeerDecision = 'allow' | 'deny';

export class PeerAddressPolicy {
  readonly #allow = new BlockList();
  readonly #deny = new BlockList();
  readonly #own = new Set<string>();
  readonly #relay = new Set<string>();
  readonly #protected = new Set<string>();
  readonly #protectedPorts = new Set<number>();
  readonly #range: { min: number; max: number };

  constructor(options: PeerPolicyOptions = {}) {
    for (const c of options.allow ?? []) addCidr(this.#allow, c);
    for (const c of [...DEFAULT_DENY_V4, ...DEFAULT_DENY_V6, ...(options.deny ?? [])]) addCidr(this.#deny, c);
    for (const a of options.ownAddresses ?? []) this.#own.add(normalizeIp(a));
    for (const a of options.relayAddresses ?? []) this.#relay.add(normalizeIp(a));
    for (const a of this.#relay) this.#own.add(a);
    for (const e of options.protectedEndpoints ?? []) {
      if (e.address === '*') this.#protectedPorts.add(e.port);
      else this.#protected.add(`${normalizeIp(e.address)}|${e.port}`);
    }
    this.#range = options.relayPortRange ?? { min: 1, max: 65535 };
  }

  /** Adds an own endpoint once it is known (a listener bound to port 0). */
  protect(address: string, port: number): void {
    if (address === '*') this.#protectedPorts.add(port);
    else this.#protected.add(`${normalizeIp(address)}|${port}`);
  }

  /** Adds an address this machine answers on. */
  addOwnAddress(address: string): void {
    this.#own.add(normalizeIp(address));
  }

  /** `port` is optional: a permission is per IP (RFC 8656 §9), a channel or a packet per port. */
  check(address: string, port?: number): PeerDecision {
    const ip = normalizeIp(address);
    if (isIP(ip) === 0) return 'deny';
    const own = this.#own.has(ip);
    if (port !== undefined && (this.#protected.has(`${ip}|${port}`) || (own && this.#protectedPorts.has(port)))) return 'deny';
    if (port !== undefined && this.#relay.has(ip) && port >= this.#range.min && port <= this.#range.max) return 'allow';
    if (has(this.#allow, ip)) return 'allow';
    if (own || has(this.#deny, ip)) return 'deny';
    return 'allow';
  }
}
