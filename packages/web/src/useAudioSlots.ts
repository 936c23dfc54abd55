import { useEffect, useState } from 'react';
import type { AudioSlot, Room } from '@parley/client';

/** Audio-only rooms: our slots (whose voice each carries, and its track), as the SDK last said. */
export function useAudioSlots(room: Room): AudioSlot[] {
  const [slots, setSlots] = useState<AudioSlot[]>(() => room.audioSlots);
  useEffect(() => room.on('audioSlotsChanged', setSlots), [room]);
  return slots;
}
