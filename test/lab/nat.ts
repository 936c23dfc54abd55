/**
 * The client network types of the lab, as nftables rulesets for a NAT router namespace with a `wan`
 * veth on the public segment and a `lan` veth towards one client (see docs/nat-lab.md).
 *
 * Mapping and filtering behaviour in RFC 4787 / RFC 5780 terms:
 * | type                | mapping                          | filtering                          |
 * | full-cone           | endpoint-independent             | endpoint-independent               |
 * | address-restricted  | endpoint-independent             | address-dependent                  |
 * | port-restricted     | endpoint-independent             | address-and-port-dependent         |
 * | symmetric           | address-and-port-dependent       | address-and-port-dependent         |
 * | udp-blocked         | (port-restricted for TCP)        | every UDP packet dropped           |
 * | tcp443-only         | (port-restricted for TCP)        | only TCP to port 443 leaves        |
 */
export const NAT_TYPES = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric', 'udp-blocked', 'tcp443-only'] as const;
export type NatType = (typeof NAT_TYPES)[number];

export interface RouterAddressing {
  /** The router's address on the public segment (198.18.0.0/24). */
  wanAddress: string;
  /** The one client behind it. */
  clientAddress: string;
}

/** How long an endpoint-independent filter keeps a mapping open after the last outbound packet. */
const MAPPING_TIMEOUT_S = 120;

/**
 * `masquerade` keeps the client's source port when it is free, so every destination sees the same
 * mapped port (endpoint-independent mapping); conntrack only lets in replies from the exact
 * (address, port) the client sent to (address-and-port-dependent filtering). `fully-random` picks a
 * new port per conntrack entry, i.e. per destination: a symmetric NAT.
 */
function masquerade(fullyRandom: boolean): string {
  return `
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade${fullyRandom ? ' fully-random' : ''}
  }`;
}

/**
 * Conntrack alone cannot loosen filtering: an unsolicited packet to a mapped port has no entry and
 * would be delivered to the router itself. So after SNAT (a filter chain later in postrouting sees the
 * translated source port) record each mapped UDP port — for address-dependent filtering, each
 * (destination address, mapped port) — in a set with a timeout, and DNAT new inbound flows that match
 * back to the client. The reply from the client then follows that new conntrack entry.
 */
function loosenedFiltering(r: RouterAddressing, byAddress: boolean): string {
  const record = byAddress ? `update @contacted { ip daddr . udp sport timeout ${MAPPING_TIMEOUT_S}s }` : `update @mapped { udp sport timeout ${MAPPING_TIMEOUT_S}s }`;
  const match = byAddress ? 'ip saddr . udp dport @contacted' : 'udp dport @mapped';
  return `
  set mapped { type inet_service; flags dynamic, timeout; timeout ${MAPPING_TIMEOUT_S}s; }
  set contacted { type ipv4_addr . inet_service; flags dynamic, timeout; timeout ${MAPPING_TIMEOUT_S}s; }
  chain record {
    type filter hook postrouting priority srcnat + 10; policy accept;
    oifname "wan" meta l4proto udp ${record}
  }
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan" ip daddr ${r.wanAddress} ${match} dnat to ${r.clientAddress}
  }`;
}

/** A forward-chain firewall (the NAT stays port-restricted for what it lets through). */
function firewall(type: 'udp-blocked' | 'tcp443-only'): string {
  const rules =
    type === 'udp-blocked'
      ? 'meta l4proto udp counter drop'
      : ['ct state established,related accept', 'iifname "lan" tcp dport 443 accept', 'counter drop'].join('\n    ');
  return `
table inet plab_fw {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ${rules}
  }
}`;
}

/**
 * An unsolicited packet to the router's own WAN address must be dropped before conntrack confirms
 * an entry for it. Otherwise that entry (peer → router:port) holds the tuple, and when the client
 * then sends to that same peer, masquerade has to pick another port: the peer's first ICE check
 * would silently turn the NAT symmetric for that destination and defeat hole punching, which a
 * real consumer NAT does not do.
 */
const DROP_UNSOLICITED = `
  chain in {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new counter drop
  }`;

/** The nftables ruleset (for `nft -f`) that makes a router namespace behave as `type`. */
export function natRuleset(type: NatType, r: RouterAddressing): string {
  const table = (body: string) => `table ip plab_nat {${DROP_UNSOLICITED}${body}\n}\n`;
  switch (type) {
    case 'full-cone':
      return table(`${masquerade(false)}${loosenedFiltering(r, false)}`);
    case 'address-restricted':
      return table(`${masquerade(false)}${loosenedFiltering(r, true)}`);
    case 'port-restricted':
      return table(masquerade(false));
    case 'symmetric':
      return table(masquerade(true));
    case 'udp-blocked':
    case 'tcp443-only':
      return `${table(masquerade(false))}${firewall(type)}\n`;
  }
}

/** Sets that hold NAT state outside conntrack (flushed between calls together with conntrack). */
export function natStateSets(type: NatType): string[] {
  return type === 'full-cone' || type === 'address-restricted' ? ['mapped', 'contacted'] : [];
}
