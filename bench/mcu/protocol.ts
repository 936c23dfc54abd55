/** IPC between run.ts and its two processes (the mixer, the load clients). */

export interface MixerConfig {
  width: number;
  height: number;
  fps: number;
  videoBitrateBps: number;
}

export type ToMixer =
  | { type: 'configure'; config: MixerConfig }
  | { type: 'offer'; key: string; room: string; id: string; sdp: string }
  | { type: 'window' }
  | { type: 'closeRooms' }
  | { type: 'exit' };

export interface MixerWindow {
  type: 'window';
  videoFramesOut: number;
  videoFramesSkipped: number;
  videoFramesLate: number;
  audioGlitches: number;
  audioFramesOut: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  listeners: number;
}

export interface LoadSpec {
  rooms: string[];
  /** Participants per room. */
  size: number;
  input: { width: number; height: number; fps: number };
  output: { width: number; height: number };
  /** Publisher → subscriber directly, no mixer: the baseline latency of encode + network + decode. */
  direct?: boolean;
}

export type ToLoad = { type: 'start'; spec: LoadSpec } | { type: 'answer'; key: string; sdp?: string; error?: string } | { type: 'report' } | { type: 'stopAll' } | { type: 'exit' };

export interface LoadReport {
  type: 'report';
  /** Composite frames each subscriber decoded in the window, per second. */
  fps: number[];
  /** Smallest composite width decoded in the window (the encoder scales down under CPU pressure). */
  minWidth: number;
  /** Send → first display of each stamped picture, through the mixer (ms). */
  videoLatencyMs: number[];
  /** Tone burst sent → its onset heard in a mix (ms). */
  audioLatencyMs: number[];
  /** Load process CPU over the window, % of one core. */
  cpuPct: number;
}
