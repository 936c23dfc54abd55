import type { Topology, TopologyPolicy } from '@parley/protocol';
import type { Logger } from './logger.ts';
import type { Room } from './room.ts';

/** What the policy wants for a room of `size`: stay, switch to the SFU now, or return to mesh after a delay. */
export type TopologyDecision = Topology | 'return-later';

/**
 * `auto`: participant meshMax + 1 moves the room to the SFU at once; a room back at meshMax or fewer returns to
 * mesh only after staying that small for `meshReturnDelayMs` (the caller's timer is the hysteresis: someone who
 * leaves and rejoins, or a room hovering at the threshold, does not flap). Fixed policies never move.
 */
export function nextTopology(policy: TopologyPolicy, current: Topology, size: number, meshMax: number): TopologyDecision {
  if (policy !== 'auto') return policy;
  if (size > meshMax) return 'sfu';
  if (current === 'sfu') return 'return-later';
  return current;
}

export interface TopologyHost {
  meshReturnDelayMs: number;
  log: Logger;
  /** Whether the room still exists when a delayed return to mesh comes due. */
  isOpen(room: Room): boolean;
  /** The room's topology changed (after its members were told). */
  changed?(room: Room): void;
}

/**
 * The topology policy after a join or leave: an `auto` room past `meshMax` moves to the SFU at once (everyone but
 * the newcomer, who learns it from the welcome, is told); one that shrank back to `meshMax` returns to mesh after
 * staying so for `meshReturnDelayMs`.
 */
export function applyTopology(room: Room, host: TopologyHost, newcomer?: string): void {
  const decision = nextTopology(room.policy, room.topology, room.size, room.meshMax);
  if (decision !== 'return-later') {
    clearTimeout(room.meshReturnTimer);
    room.meshReturnTimer = undefined;
  }
  if (decision === 'sfu' && room.topology === 'mesh') {
    room.topology = 'sfu';
    host.log.info({ room: room.id, participants: room.size }, 'room switches to SFU');
    room.broadcast({ type: 'topologyChanged', topology: 'sfu' }, newcomer);
    host.changed?.(room);
  } else if (decision === 'return-later' && !room.meshReturnTimer) {
    room.meshReturnTimer = setTimeout(() => {
      room.meshReturnTimer = undefined;
      if (!host.isOpen(room) || nextTopology(room.policy, room.topology, room.size, room.meshMax) !== 'return-later') return;
      room.topology = 'mesh';
      host.log.info({ room: room.id, participants: room.size }, 'room returns to mesh');
      room.broadcast({ type: 'topologyChanged', topology: 'mesh' });
      host.changed?.(room);
    }, host.meshReturnDelayMs);
    room.meshReturnTimer.unref?.();
  }
}
