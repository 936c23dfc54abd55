/** A received track, reduced to what make-before-break compares. */
export interface PathTrack {
  /** What it shows: the sender's stream id and the track kind (`${streamId}|${kind}`). */
  key: string;
  /** Media is arriving (the track is not muted and not ended). */
  live: boolean;
}

/** The comparison key of a received track: same sender stream and kind on either path. */
export function pathKey(streamId: string, kind: string): string {
  return `${streamId}|${kind}`;
}

/**
 * Whether the new path already delivers, live, everything the old path delivers live: then the old
 * one can go without a gap. Old tracks that carry nothing (muted) need no cover.
 */
export function covers(oldPath: readonly PathTrack[], newPath: readonly PathTrack[]): boolean {
  const live = new Set(newPath.filter((t) => t.live).map((t) => t.key));
  return oldPath.every((t) => !t.live || live.has(t.key));
}

/** Keeps the stats of one participant's share of the SFU connection: their inbound tracks, and everything else. */
export function selectStats<S extends { type: string; trackIdentifier?: unknown; mid?: unknown }>(
  report: Iterable<S>,
  trackIds: ReadonlySet<string>,
  mids: ReadonlySet<string>,
): S[] {
  const out: S[] = [];
  for (const s of report) {
    if (s.type === 'inbound-rtp') {
      const byTrack = typeof s.trackIdentifier === 'string' && trackIds.has(s.trackIdentifier);
      const byMid = typeof s.mid === 'string' && mids.has(s.mid);
      if (!byTrack && !byMid) continue;
    }
    out.push(s);
  }
  return out;
}
