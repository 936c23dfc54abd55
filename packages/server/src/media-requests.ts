import { ProtocolError, assertNever, type ClientMessage } from '@parley/protocol';
import type { McuService } from './mcu.ts';
import type { Room } from './room.ts';
import type { Session } from './session.ts';
import type { SfuService } from './sfu.ts';

/** The requests that drive the media plane: the SFU connection and the MCU's (an `mcu` room's, or a downlink). */
export type MediaRequest = Extract<ClientMessage, { type: 'sfuOffer' | 'sfuPreference' | 'sfuLeave' | 'mcuOffer' | 'mcuDownlink' }>;

export interface MediaPlane {
  sfu?: SfuService | undefined;
  mcu?: McuService | undefined;
}

/** A request's outcome: its response data now, or later (an MCU answer waits for ICE gathering). Throws ProtocolError. */
export type MediaResult = { data?: unknown } | { later: Promise<unknown> };

/** Turns one media request into SFU/MCU calls; the signaling service wraps the outcome into a response. */
export function handleMediaRequest(plane: MediaPlane, session: Session, current: Room | undefined, msg: MediaRequest): MediaResult {
  const room = (): Room => {
    if (!current) throw new ProtocolError('ROOM_NOT_FOUND', 'the room is gone');
    return current;
  };
  switch (msg.type) {
    case 'sfuOffer':
      return { data: sfuOf(plane).offer(session, room(), msg) };
    case 'sfuPreference':
      sfuOf(plane).preference(session, msg.producerId, msg.width, msg.height);
      return {};
    case 'sfuLeave': {
      plane.sfu?.leave(session);
      // Back in a mesh room with nobody left on the SFU: its router goes.
      if (current?.topology === 'mesh' && plane.sfu?.transportCount(current) === 0) plane.sfu.releaseRoom(current);
      return {};
    }
    case 'mcuOffer':
      return { later: mcuOf(plane).offer(session, room(), msg.sdp, msg.showSelf ?? false) };
    case 'mcuDownlink':
      if (msg.enabled && room().audioOnly) throw new ProtocolError('AUDIO_ONLY', 'an audio-only room has no MCU downlink: its slots already carry only the loudest voices');
      return { later: mcuOf(plane).downlink(session, room(), msg) };
    default:
      return assertNever(msg);
  }
}

function sfuOf(plane: MediaPlane): SfuService {
  if (!plane.sfu) throw new ProtocolError('SFU_UNAVAILABLE', 'this server runs no SFU');
  return plane.sfu;
}

function mcuOf(plane: MediaPlane): McuService {
  if (!plane.mcu) throw new ProtocolError('MCU_UNAVAILABLE', 'this server runs no MCU');
  return plane.mcu;
}
