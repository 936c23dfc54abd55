import { useEffect, useRef } from 'react';
import { AudioLevelMeter } from '@parley/client';

/** A live microphone level bar (pre-join check). */
export function LevelMeter({ stream }: { stream: MediaStream | undefined }) {
  const bar = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0) return;
    const meter = new AudioLevelMeter(stream);
    let frame = 0;
    const tick = () => {
      const level = meter.level();
      if (bar.current) {
        bar.current.style.transform = `scaleX(${level.toFixed(3)})`;
        bar.current.parentElement?.setAttribute('aria-valuenow', String(Math.round(level * 100)));
      }
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => {
      cancelAnimationFrame(frame);
      meter.close();
    };
  }, [stream]);
  return (
    <div className="meter" role="meter" aria-label="microphone level" aria-valuemin={0} aria-valuemax={100}>
      <div ref={bar} className="meter-fill" />
    </div>
  );
}
