import { useEffect, useState } from 'react';
import type { Room } from '@parley/client';

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((id) => b.has(id));

/**
 * Participants speaking right now: what the server says (SFU rooms, `activeSpeakerChanged`), plus
 * audio levels above a threshold read from RTP a few times a second (any room).
 */
export function useSpeaking(room: Room, threshold = 0.05): ReadonlySet<string> {
  const [speaking, setSpeaking] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    let fromServer: readonly string[] = room.speaking;
    const update = () => {
      const now = new Set<string>(fromServer.filter((id) => room.participants.has(id)));
      for (const p of room.participants.values()) if (p.audioLevel() > threshold) now.add(p.id);
      setSpeaking((prev) => (sameSet(prev, now) ? prev : now));
    };
    const off = room.on('activeSpeakerChanged', (_id, list) => {
      fromServer = list;
      update();
    });
    const timer = setInterval(update, 250);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [room, threshold]);
  return speaking;
}
