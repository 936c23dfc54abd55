import { execFileSync } from 'node:child_process';

const TABLE = 'parley_cut';

function nft(args: string[]): void {
  execFileSync('nft', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Inside the test's own network namespace: drop every packet on loopback except TCP to and from
 * `keepPort` (the signaling server), as if the media path died while signaling stayed up.
 * (nftables: this kernel has no netem qdisc.) Returns a function that restores the link.
 */
export function cutMediaPath(keepPort: number): () => void {
  if (process.env.PARLEY_NETNS !== '1') throw new Error('cutMediaPath only runs inside the test network namespace');
  nft(['add', 'table', 'inet', TABLE]);
  nft(['add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; policy accept; }']);
  nft(['add', 'rule', 'inet', TABLE, 'out', 'meta', 'l4proto', 'udp', 'drop']);
  nft(['add', 'rule', 'inet', TABLE, 'out', 'tcp', 'sport', '!=', String(keepPort), 'tcp', 'dport', '!=', String(keepPort), 'drop']);
  return () => nft(['delete', 'table', 'inet', TABLE]);
}
