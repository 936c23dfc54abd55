import type { DataChannelParameters } from './dcep.ts';

/** What a channel asks of the association it lives on. */
export interface DataChannelOwner {
  sendOn(channel: DataChannel, data: string | Uint8Array): boolean;
  closeChannel(channel: DataChannel): void;
}

export type DataChannelState = 'connecting' | 'open' | 'closed';

/** One WebRTC data channel on the server side (RFC 8831 §6.4): an SCTP stream pair named by a DCEP OPEN. */
export class DataChannel {
  readonly id: number;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
  readonly #owner: DataChannelOwner;
  #state: DataChannelState = 'connecting';

  constructor(owner: DataChannelOwner, id: number, parameters: DataChannelParameters) {
    this.#owner = owner;
    this.id = id;
    this.label = parameters.label;
    this.protocol = parameters.protocol;
    this.ordered = parameters.ordered;
    this.maxRetransmits = parameters.maxRetransmits;
    this.maxPacketLifeTime = parameters.maxPacketLifeTime;
  }

  get state(): DataChannelState {
    return this.#state;
  }

  /** Fully reliable: ordered or not, with neither retransmission nor lifetime limit. */
  get reliable(): boolean {
    return this.maxRetransmits === undefined && this.maxPacketLifeTime === undefined;
  }

  /**
   * Sends one message (a string as PPID 51, bytes as 53). False when it was dropped: the channel is not open, the
   * message is over the size limit, or the outbound buffer is full (counted in the owner's stats).
   */
  send(data: string | Uint8Array): boolean {
    return this.#owner.sendOn(this, data);
  }

  /** Closes the channel (resets its stream). Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#owner.closeChannel(this);
  }

  /** @internal the owner's bookkeeping */
  setOpen(): void {
    if (this.#state === 'connecting') this.#state = 'open';
  }

  /** @internal */
  setClosed(): void {
    this.#state = 'closed';
  }
}
