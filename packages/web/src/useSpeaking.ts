import { useEffect, useState } from 'react';
import type { Room } from '@parley/client';

/** Participants speaking right now (audio level above a threshold), polled a few times a second. */
export function useSpeaking(room: Room, threshold = 0.05): ReadonlySet<string> {
  const [speaking, setSpeaking] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const timer = setInterval(() => {
      const now = new Set<string>();
      for (const p of room.participants.values()) if (p.audioLevel() > threshold) now.add(p.id);
      setSpeaking((prev) => (prev.size === now.size && [...now].every((id) => prev.has(id)) ? prev : now));
    }, 250);
    return () => clearInterval(timer);
  }, [room, threshold]);
  return speaking;
}
