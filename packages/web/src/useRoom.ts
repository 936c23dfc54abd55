import { useEffect, useReducer } from 'react';
import type { Room } from '@parley/client';

/** Re-renders whenever the room's participants, tracks or connection state change. */
export function useRoom(room: Room | undefined): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!room) return;
    const events = ['participantJoined', 'participantLeft', 'participantUpdated', 'trackSubscribed', 'trackUnsubscribed', 'peerConnectionStateChanged', 'signalStateChanged', 'topologyChanged', 'activeSpeakerChanged', 'compositeChanged', 'lowBandwidthModeChanged', 'showSelfInMixChanged', 'disconnected'] as const;
    const offs = events.map((e) => room.on(e, bump));
    return () => offs.forEach((off) => off());
  }, [room]);
}
