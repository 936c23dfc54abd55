import { networkInterfaces } from 'node:os';

/**
 * Global setup for tests that start Chromium or WebRTC peers: refuse to run unless this process
 * sits in a network namespace whose only interface is loopback (see scripts/netns.mjs).
 */
export default function setup(): void {
  const names = Object.keys(networkInterfaces());
  const outside = names.filter((n) => n !== 'lo');
  if (outside.length > 0 || process.env.PARLEY_NETNS !== '1') {
    throw new Error(
      `refusing to start browsers outside a loopback-only network namespace (interfaces: ${names.join(', ')}). ` +
        'Run through scripts/netns.mjs (npm run test:e2e).',
    );
  }
}
