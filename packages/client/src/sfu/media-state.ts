import type { MediaSourceKind } from '../participant.ts';

/** Microphone/camera on or off, and what each published stream carries (stream id → camera | screen). */
export interface MediaState {
  audio: boolean;
  video: boolean;
  sources: Record<string, MediaSourceKind>;
}

/** Keeps the known kinds of a sources record from the wire (at most 16, ids cut to 128 characters). */
export function cleanSources(sources: unknown): Record<string, MediaSourceKind> {
  const clean: Record<string, MediaSourceKind> = {};
  if (typeof sources !== 'object' || sources === null) return clean;
  let n = 0;
  for (const [id, kind] of Object.entries(sources)) {
    if (kind !== 'camera' && kind !== 'screen') continue;
    if (++n > 16) break;
    clean[id.slice(0, 128)] = kind;
  }
  return clean;
}

/** Parses the control-channel announcement `{"t":"sources", sources, audio, video}`; undefined when it is not one. */
export function parseSourcesMessage(data: unknown): MediaState | undefined {
  if (typeof data !== 'string' || data.length > 8192 || !data.startsWith('{"t":"sources"')) return undefined;
  try {
    const m = JSON.parse(data) as { sources?: unknown; audio?: unknown; video?: unknown };
    return { audio: m.audio !== false, video: m.video !== false, sources: cleanSources(m.sources) };
  } catch {
    return undefined;
  }
}
