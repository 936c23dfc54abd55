import type { Topology } from '@parley/protocol';

/** The topologies a room switches between live (an `mcu` room is mixed from start to end). */
export type SwitchedTopology = Exclude<Topology, 'mcu'>;

/** The control-channel messages of a switch: "I now receive you over the new path". */
export const READY_MESSAGES: Readonly<Record<SwitchedTopology, string>> = { sfu: '{"t":"sfuReady"}', mesh: '{"t":"meshReady"}' };

export interface TopologySwitchHost {
  /** The participants this switch waits for (asked again on every check: people join and leave). */
  participants(): string[];
  /** Whether we already receive this participant, live, over the new path (everything the old path brings). */
  receivesOverNewPath(participantId: string, to: SwitchedTopology): boolean;
  /** Sends a control-channel message; false when there is no open channel to that participant (yet). */
  sendControl(participantId: string, message: string): boolean;
  /** The participant receives us over the SFU now: stop sending them media over the mesh. */
  releaseMesh(participantId: string): void;
  /** Everyone has both paths' handover done (or the deadline passed; `late` are those who never confirmed). */
  completed(to: SwitchedTopology, late: string[]): void;
  log?: (message: string, detail?: unknown) => void;
}

export interface TopologySwitchOptions {
  /** How often readiness is checked. Default 100 ms. */
  checkMs?: number;
  /** After this, the old path goes anyway. Default 8 s. */
  deadlineMs?: number;
}

/**
 * Make before break, seen from one participant. For each other participant P: once P's media arrives
 * over the new path, we tell P "ready"; once P tells us "ready", P no longer needs our media over the old
 * path. Going to the SFU, that releases our mesh senders to P one by one; going to mesh, the SFU
 * connection closes once everyone confirmed both ways. A deadline ends the wait either way.
 */
export class TopologySwitch {
  readonly #host: TopologySwitchHost;
  readonly #checkMs: number;
  readonly #deadlineMs: number;
  #to: SwitchedTopology | undefined;
  #told = new Set<string>();
  #heard = new Set<string>();
  /** "ready" that arrived before we started the switch ourselves (their notification came first). */
  readonly #early: Record<SwitchedTopology, Set<string>> = { sfu: new Set(), mesh: new Set() };
  #timer: ReturnType<typeof setInterval> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(host: TopologySwitchHost, options: TopologySwitchOptions = {}) {
    this.#host = host;
    this.#checkMs = options.checkMs ?? 100;
    this.#deadlineMs = options.deadlineMs ?? 8000;
  }

  /** The topology being switched to, while a switch is under way. */
  get to(): SwitchedTopology | undefined {
    return this.#to;
  }

  start(to: SwitchedTopology): void {
    this.cancel();
    this.#to = to;
    this.#told = new Set();
    this.#heard = this.#early[to];
    this.#early[to] = new Set();
    this.#early[to === 'sfu' ? 'mesh' : 'sfu'].clear();
    if (to === 'sfu') for (const id of this.#heard) this.#host.releaseMesh(id);
    this.#timer = setInterval(() => this.check(), this.#checkMs);
    this.#deadline = setTimeout(() => this.#finish(true), this.#deadlineMs);
    this.check();
  }

  /** Handles a control-channel message; true when it belonged to a switch. */
  handleControl(participantId: string, data: string): boolean {
    const to = data === READY_MESSAGES.sfu ? 'sfu' : data === READY_MESSAGES.mesh ? 'mesh' : undefined;
    if (!to) return false;
    if (this.#to !== to) {
      if (this.#to === undefined) this.#early[to].add(participantId);
      return true;
    }
    if (this.#heard.has(participantId)) return true;
    this.#heard.add(participantId);
    if (to === 'sfu') this.#host.releaseMesh(participantId);
    this.check();
    return true;
  }

  participantLeft(participantId: string): void {
    this.#told.delete(participantId);
    this.#heard.delete(participantId);
    this.#early.sfu.delete(participantId);
    this.#early.mesh.delete(participantId);
    if (this.#to) this.check();
  }

  /** Tells those we now receive over the new path, and ends the switch when everyone is done. */
  check(): void {
    const to = this.#to;
    if (!to) return;
    const ids = this.#host.participants();
    for (const id of ids) {
      if (this.#told.has(id) || !this.#host.receivesOverNewPath(id, to)) continue;
      if (this.#host.sendControl(id, READY_MESSAGES[to])) this.#told.add(id);
    }
    if (ids.every((id) => this.#told.has(id) && this.#heard.has(id))) this.#finish(false);
  }

  #finish(timedOut: boolean): void {
    const to = this.#to;
    if (!to) return;
    const late = timedOut ? this.#host.participants().filter((id) => !this.#heard.has(id)) : [];
    if (late.length > 0) this.#host.log?.(`switch to ${to}: no "ready" from ${late.join(', ')} after ${this.#deadlineMs} ms; going on without`);
    if (to === 'sfu') for (const id of late) this.#host.releaseMesh(id);
    this.cancel();
    this.#host.completed(to, late);
  }

  /** Stops waiting (a new switch, or the room ended); nothing more is released or completed. */
  cancel(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#deadline);
    this.#timer = this.#deadline = undefined;
    this.#to = undefined;
  }
}
