import { useEffect, useReducer } from 'react';
import type { LocalMedia } from '@parley/client';

/** Re-renders when local devices, tracks or problems change. */
export function useLocalMedia(media: LocalMedia): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => media.on('changed', bump), [media]);
}
