import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'test/integration/**/*.test.ts', 'bench/sfu/**/*.test.ts'],
          // Opens a socket: runs in the namespaced 'net' project instead.
          exclude: ['bench/sfu/udp-drops.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          globalSetup: ['test/support/netns-guard.ts'],
        },
      },
      {
        // STUN/TURN and media-transport peers on real sockets: only inside a loopback-only namespace.
        test: {
          name: 'net',
          include: ['test/turn/**/*.test.ts', 'test/media/**/*.test.ts', 'test/mixer/**/*.test.ts', 'bench/sfu/udp-drops.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 30_000,
          globalSetup: ['test/support/netns-guard.ts'],
        },
      },
      {
        // The NAT lab builds its own namespaces (ip netns add) as root; it adds nothing to the one it starts in.
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
          globalSetup: ['test/lab/root-check.ts'],
        },
      },
    ],
  },
});
