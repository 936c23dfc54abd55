import type { Topology, TopologyPolicy } from '@parley/protocol';

/** What the policy wants for a room of `size`: stay, switch to the SFU now, or return to mesh after a delay. */
export type TopologyDecision = Topology | 'return-later';

/**
 * `auto`: participant meshMax + 1 moves the room to the SFU; a room that shrank to meshMax − 1 or fewer (one below
 * the switch point, so one leave-and-rejoin does not flap) may return to mesh. Fixed policies never move.
 */
export function nextTopology(policy: TopologyPolicy, current: Topology, size: number, meshMax: number): TopologyDecision {
  if (policy !== 'auto') return policy;
  if (size > meshMax) return 'sfu';
  if (current === 'sfu' && size <= meshMax - 1) return 'return-later';
  return current;
}
