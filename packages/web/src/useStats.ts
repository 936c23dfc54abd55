import { useEffect, useMemo, useReducer } from 'react';
import { StatsCollector, type Room } from '@parley/client';

/** Starts sampling connection stats once a second while the call is shown; re-renders on each sample. */
export function useStats(room: Room): StatsCollector {
  const stats = useMemo(() => new StatsCollector(room), [room]);
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const off = stats.on('updated', bump);
    stats.start();
    return () => {
      off();
      stats.stop();
    };
  }, [stats]);
  return stats;
}
