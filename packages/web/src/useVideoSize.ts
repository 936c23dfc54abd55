import { useEffect, useRef, type RefObject } from 'react';

/**
 * Reports an element's rendered size in device pixels whenever it changes (ResizeObserver), again when
 * `key` changes (new tracks to tell), and 0×0 when it goes away, so the SFU sends a layer that fits.
 */
export function useVideoSize(ref: RefObject<HTMLElement | null>, key: string, report: ((width: number, height: number) => void) | undefined): void {
  const latest = useRef(report);
  latest.current = report;
  const enabled = report !== undefined;
  useEffect(() => {
    const el = ref.current;
    if (!el || !enabled) return;
    const send = () => {
      const dpr = window.devicePixelRatio || 1;
      const hidden = document.visibilityState === 'hidden';
      latest.current?.(hidden ? 0 : el.clientWidth * dpr, hidden ? 0 : el.clientHeight * dpr);
    };
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(send) : undefined;
    observer?.observe(el);
    document.addEventListener('visibilitychange', send);
    send();
    return () => {
      observer?.disconnect();
      document.removeEventListener('visibilitychange', send);
      latest.current?.(0, 0);
    };
  }, [ref, key, enabled]);
}
