/**
 * Pre-filtering of draft-ietf-rmcat-gcc-02 §5.2: packets sent within a 5 ms burst form one group, and the delay
 * variation is measured between consecutive groups (the last packet of each), not between single packets, so that a
 * pacer's bursts and a frame's packets do not look like queueing.
 */

/** §5.2 burst_time. */
const BURST_MS = 5;
/** A burst absorbed into one group is cut at this length, so that a stream of back-to-back packets still yields samples. */
const MAX_BURST_SPAN_MS = 100;
/** A jump of the arrival clock this large against the send clock is a reset (the receiver restarted), not delay. */
const RESET_MS = 3000;

export interface InterGroupSample {
  /** Arrival time of the group that just completed (the remote clock, ms). */
  arrivalMs: number;
  /** Departure spacing between the two groups (ms). */
  sendDeltaMs: number;
  /** Arrival spacing between the two groups (ms). */
  arrivalDeltaMs: number;
  /** d(i) = arrival spacing − departure spacing (§5.3). */
  delayVariationMs: number;
}

interface Group {
  firstSendMs: number;
  lastSendMs: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

export class InterGroupDelay {
  #current: Group | undefined;
  #previous: Group | undefined;

  /**
   * Adds one received packet, in send order. Returns the sample between the two most recent complete groups when
   * this packet starts a new group, otherwise undefined.
   */
  push(sendMs: number, arrivalMs: number): InterGroupSample | undefined {
    const current = this.#current;
    if (current === undefined) {
      this.#current = { firstSendMs: sendMs, lastSendMs: sendMs, firstArrivalMs: arrivalMs, lastArrivalMs: arrivalMs };
      return undefined;
    }
    if (sendMs < current.firstSendMs) return undefined; // sent before the group in progress: reordered, skip it
    if (sendMs - current.firstSendMs <= BURST_MS || this.#inBurst(current, sendMs, arrivalMs)) {
      current.lastSendMs = Math.max(current.lastSendMs, sendMs);
      current.lastArrivalMs = Math.max(current.lastArrivalMs, arrivalMs);
      return undefined;
    }
    const previous = this.#previous;
    this.#previous = current;
    this.#current = { firstSendMs: sendMs, lastSendMs: sendMs, firstArrivalMs: arrivalMs, lastArrivalMs: arrivalMs };
    if (previous === undefined) return undefined;
    const sendDeltaMs = current.lastSendMs - previous.lastSendMs;
    const arrivalDeltaMs = current.lastArrivalMs - previous.lastArrivalMs;
    const delayVariationMs = arrivalDeltaMs - sendDeltaMs;
    if (Math.abs(delayVariationMs) > RESET_MS || arrivalDeltaMs < 0) {
      // A clock jump or a whole group overtaken by the next: no usable sample, start over from this packet.
      this.#previous = undefined;
      return undefined;
    }
    return { arrivalMs: current.lastArrivalMs, sendDeltaMs, arrivalDeltaMs, delayVariationMs };
  }

  reset(): void {
    this.#current = undefined;
    this.#previous = undefined;
  }

  /**
   * §5.2: a packet that arrives within burst_time of the group's last one, and sooner than its departure spacing
   * would predict, was delayed behind the group (a burst released by a queue): it belongs to the group.
   */
  #inBurst(group: Group, sendMs: number, arrivalMs: number): boolean {
    const arrivalDelta = arrivalMs - group.lastArrivalMs;
    const sendDelta = sendMs - group.lastSendMs;
    return arrivalDelta - sendDelta < 0 && arrivalDelta <= BURST_MS && arrivalMs - group.firstArrivalMs < MAX_BURST_SPAN_MS;
  }
}
