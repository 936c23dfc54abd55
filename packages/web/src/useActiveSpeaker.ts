import { useEffect, useState } from 'react';
import type { Room } from '@parley/client';

/**
 * The remote participant to put in the spotlight: the server's active speaker (SFU rooms), else the
 * one speaking by audio level; it stays until someone else speaks, so the layout does not flicker.
 */
export function useActiveSpeaker(room: Room, speaking: ReadonlySet<string>): string | undefined {
  const [active, setActive] = useState<string>();
  useEffect(() => room.on('activeSpeakerChanged', (id) => {
    if (id && room.participants.has(id)) setActive(id);
  }), [room]);
  useEffect(() => {
    if (active && speaking.has(active)) return;
    const next = [...speaking].find((id) => room.participants.has(id));
    if (next && !room.activeSpeaker) setActive(next);
  }, [room, speaking, active]);
  return active && room.participants.has(active) ? active : undefined;
}
