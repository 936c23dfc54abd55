/** Command-line flags of the SFU bench (`npm run bench:sfu -- --help`). */
import type { SrtpProfile } from '@parley/media';
import type { Target } from './protocol.ts';

export interface SfuBenchArgs {
  only: Target[];
  publishers: number;
  subscribers: number;
  processes: number;
  windowS: number;
  /** Packets per video frame of each step-up window. */
  steps: number[];
  stepS: number;
  packetsPerFrame: number;
  profiles: SrtpProfile[];
  /** Publishers send in lockstep (see MediaShape.aligned). */
  aligned: boolean;
}

export const USAGE = `usage: bench/sfu/run.ts [--only=parley,janus] [--quick] [--long] [--publishers=2] [--subscribers=20]
  [--procs=4] [--seconds=10] [--steps=16,24,32,48,64] [--step-seconds=4] [--ppf=8] [--srtp=cm|gcm] [--aligned]`;

const int = (name: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}–${max}, got "${v}"`);
  return n;
};

export function parseSfuArgs(argv: readonly string[]): SfuBenchArgs {
  const a: SfuBenchArgs = { only: ['parley', 'janus'], publishers: 2, subscribers: 20, processes: 4, windowS: 10, steps: [16, 24, 32, 48, 64], stepS: 4, packetsPerFrame: 8, profiles: ['AES_CM_128_HMAC_SHA1_80'], aligned: false };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    if (!arg.startsWith('--')) throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    switch (name) {
      case 'only': {
        const t = value.split(',');
        for (const x of t) if (x !== 'parley' && x !== 'janus') throw new Error(`--only: unknown target "${x}" (parley, janus)`);
        a.only = t as Target[];
        break;
      }
      case 'quick':
        Object.assign(a, { subscribers: 8, processes: 2, windowS: 4, steps: [16, 32], stepS: 3 });
        break;
      case 'long':
        Object.assign(a, { windowS: 30, steps: [16, 24, 32, 40, 48, 56, 64, 80, 96], stepS: 10 });
        break;
      case 'publishers':
        a.publishers = int(name, value, 1, 16);
        break;
      case 'subscribers':
        a.subscribers = int(name, value, 1, 500);
        break;
      case 'procs':
        a.processes = int(name, value, 1, 16);
        break;
      case 'seconds':
        a.windowS = int(name, value, 1, 600);
        break;
      case 'step-seconds':
        a.stepS = int(name, value, 1, 120);
        break;
      case 'ppf':
        a.packetsPerFrame = int(name, value, 1, 100);
        break;
      case 'steps':
        a.steps = value === '' ? [] : value.split(',').map((v) => int(name, v, 1, 200));
        if (a.steps.length > 20) throw new Error('--steps: at most 20 steps');
        break;
      case 'aligned':
        a.aligned = true;
        break;
      case 'srtp':
        if (value !== 'cm' && value !== 'gcm') throw new Error('--srtp must be cm or gcm');
        a.profiles = [value === 'cm' ? 'AES_CM_128_HMAC_SHA1_80' : 'AEAD_AES_128_GCM'];
        break;
      default:
        throw new Error(`unknown flag --${name}\n${USAGE}`);
    }
  }
  return a;
}
