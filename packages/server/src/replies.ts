import type { ErrorMessage, ProtocolError, Response, Welcome } from '@parley/protocol';

/** What the signaling service answers one frame with, and the error envelope (a response, or an `error`). */

export type Reply = Response | ErrorMessage | Welcome;

/** The outcome of one inbound frame: maybe a reason to drop the connection. */
export interface FrameResult {
  /** Set when the peer broke the protocol: the transport should close with 1002 and this reason. */
  violation?: string;
  /** Set when the reply comes later (an MCU answer waits for ICE gathering): settles once it was given to `respond`. */
  pending?: Promise<void>;
}

export interface Handled extends FrameResult {
  reply?: Reply;
  /** Runs after the reply went out (leaving closes the transport that carries the reply). */
  after?: () => void;
  /** A reply that comes later. */
  later?: Promise<Reply>;
}

/** The error as a response to request `id`, or as an `error` message about a message of type `ref`. */
export function errorReply(error: ProtocolError, id?: string, ref?: string): Response | ErrorMessage {
  const body = error.toBody();
  return id !== undefined ? { type: 'response', id, ok: false, error: body } : { type: 'error', error: body, ...(ref ? { ref } : {}) };
}
