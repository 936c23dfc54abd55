import type { WrtcVideoSource } from '../engine/wrtc.ts';
import type { CompositeResult, WorkerCompositor } from '../video/compositor.ts';
import type { I420Frame } from '../video/i420.ts';
import { viewFor, type View } from '../video/view.ts';

/** The parts of the compositor the room mixer uses (a WorkerCompositor, or a fake in tests). */
export type Compositor = Pick<WorkerCompositor, 'updateFrame' | 'removeSource' | 'composite' | 'close'>;

/** What the views need of a room member: who they are, what they want to see, where their composite goes. */
export interface ViewMember {
  readonly id: string;
  name: string;
  videoSource: WrtcVideoSource;
  /** The newest decoded frame not yet handed to the compositor. */
  pendingFrame?: I420Frame | undefined;
  compositing: boolean;
  /** Whether outputs are made for them (RoomMixer.setListening); their own tile shows in their composite with showSelf. */
  listening: boolean;
  showSelf: boolean;
  /** Their video input is a screen share: their tile is the large one, named "(screen)". */
  presenting: boolean;
}

export interface CompositeViewsOptions<M extends ViewMember> {
  /** Made on first use; closed with the views. */
  createCompositor: () => Compositor;
  width: number;
  height: number;
  /** Counters shared with the room mixer's stats. */
  stats: { videoFramesOut: number; videoFramesSkipped: number; videoFramesLate: number };
  /** Whether a member is still in the room (a composite finished after they left is not theirs to get). */
  current: (member: M) => boolean;
  log?: (message: string, detail?: unknown) => void;
}

/** One distinct view (what some listeners see) and its composite in flight, shared by those listeners. */
interface ViewJob<M> {
  inFlight: boolean;
  /** A tick came while the composite was in flight: made as soon as it is back. */
  late?: { view: View; listeners: M[] } | undefined;
  /** The last composite, handed back to the worker to be filled again (the video sources copy what they are given). */
  spare?: I420Frame | undefined;
}

/**
 * The room's composites: each tick, every listener's view (everyone but themselves unless they asked, the presenter
 * or speaker large), made once per distinct view on the compositor thread and handed to each listener's video
 * source. A view whose previous composite is still being made when a tick comes is made again as soon as it is back
 * (late, counted): a compositor thread that falls behind for a moment delays a frame instead of dropping it. A second
 * tick in that time is skipped (counted): at most one composite per view waits.
 */
export class CompositeViews<M extends ViewMember> {
  readonly #options: CompositeViewsOptions<M>;
  readonly #views = new Map<string, ViewJob<M>>();
  #compositor: Compositor | undefined;
  #closed = false;

  constructor(options: CompositeViewsOptions<M>) {
    this.#options = options;
  }

  /** Makes this tick's composites; `speakerId` is shown large to the others (the presenter, or the active speaker). */
  compositeAll(members: Iterable<M>, speakerId: string | undefined): void {
    if (this.#closed) return;
    const all = [...members];
    const compositor = (this.#compositor ??= this.#options.createCompositor());
    for (const m of all) {
      if (!m.pendingFrame) continue;
      compositor.updateFrame(m.id, m.pendingFrame);
      m.pendingFrame = undefined;
    }
    const everyone = all.map((m) => ({ id: m.id, name: m.presenting ? `${m.name} (screen)` : m.name }));
    const { width, height } = this.#options;
    // Listeners who see the same thing share one composite.
    const groups = new Map<string, { view: View; listeners: M[] }>();
    for (const listener of all) {
      if (!listener.listening) continue;
      // The speaker (or presenter) sees the grid of everyone else; the others see them large.
      const layout = speakerId !== undefined && speakerId !== listener.id ? 'speaker' : 'grid';
      const view = viewFor(listener.id, everyone, width, height, { layout, speakerId, showSelf: listener.showSelf });
      const key = JSON.stringify([layout, view.inputs.map((p) => [p.id, p.name])]);
      const group = groups.get(key);
      if (group) group.listeners.push(listener);
      else groups.set(key, { view, listeners: [listener] });
    }
    for (const [key, job] of this.#views) {
      if (groups.has(key)) continue;
      job.late = undefined; // its listeners see another view now
      if (!job.inFlight) this.#views.delete(key);
    }
    for (const [key, { view, listeners }] of groups) {
      let job = this.#views.get(key);
      if (!job) this.#views.set(key, (job = { inFlight: false }));
      if (!job.inFlight) {
        this.#composite(compositor, job, view, listeners);
        continue;
      }
      if (job.late) this.#options.stats.videoFramesSkipped += job.late.listeners.length;
      else this.#options.stats.videoFramesLate += listeners.length;
      job.late = { view, listeners };
    }
  }

  /** A member's camera stopped: their tile keeps their name. */
  removeSource(id: string): void {
    this.#compositor?.removeSource(id);
  }

  /** Stops the compositor thread. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const compositor = this.#compositor;
    this.#compositor = undefined;
    await compositor?.close();
  }

  #composite(compositor: Compositor, job: ViewJob<M>, view: View, listeners: M[]): void {
    const spare = job.spare;
    job.spare = undefined;
    job.inFlight = true;
    for (const listener of listeners) listener.compositing = true;
    const done = (): void => {
      job.inFlight = false;
      for (const listener of listeners) listener.compositing = false;
    };
    const { width, height, stats } = this.#options;
    compositor
      .composite(view.inputs.map((p) => ({ sourceId: p.id, name: p.name })), view.layout, width, height, undefined, spare)
      .then((result: CompositeResult) => {
        done();
        const frame = { width: result.width, height: result.height, data: result.data };
        for (const listener of listeners) {
          if (!this.#options.current(listener) || !listener.listening) continue;
          listener.videoSource.onFrame(frame);
          stats.videoFramesOut++;
        }
        if (!this.#closed) job.spare = frame;
        this.#catchUp(compositor, job);
      })
      .catch((err: unknown) => {
        done();
        if (!this.#closed) this.#options.log?.('composite failed', err);
        this.#catchUp(compositor, job);
      });
  }

  /** The composite that waited for this one, made now (with the frames and names as they are now). */
  #catchUp(compositor: Compositor, job: ViewJob<M>): void {
    const late = job.late;
    job.late = undefined;
    if (!late || this.#closed || compositor !== this.#compositor) return;
    this.#composite(compositor, job, late.view, late.listeners);
  }
}
