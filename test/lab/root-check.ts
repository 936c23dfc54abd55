import { spawnSync } from 'node:child_process';

/**
 * Global setup of the `lab` project. Unlike the e2e and turn projects it does not run inside an
 * outer loopback-only namespace: it builds its own namespaces with `ip netns add`, which needs root
 * (and iproute2, nftables, conntrack). It adds nothing to the namespace it starts in.
 */
export default function setup(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the NAT lab creates network namespaces (ip netns add) and must run as root: sudo npm test -- lab');
  }
  for (const [tool, pkg] of [['ip', 'iproute2'], ['nft', 'nftables'], ['conntrack', 'conntrack']] as const) {
    if (spawnSync(tool, ['-V'], { stdio: 'ignore' }).error) throw new Error(`the NAT lab needs \`${tool}\`: apt-get install ${pkg} (npm test installs it)`);
  }
}
