import { describe, expect, it } from 'vitest';
import { ProtocolError } from '@parley/protocol';
import { parseConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { McuService } from './mcu.ts';
import { Room } from './room.ts';
import { SfuService } from './sfu.ts';
import type { Session } from './session.ts';

/** An offer sending and receiving audio and video (what the SDK sends with a camera and a microphone). */
const OFFER = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=sendrecv', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=sendrecv', ''].join('\r\n');
const RECV_ONLY = OFFER.replaceAll('a=sendrecv', 'a=recvonly');

function session(grants = { publish: true, subscribe: true }): Session {
  return { id: 's1', grants, participant: { id: 'p1', identity: 'ann', name: 'Ann', metadata: '', joinedAt: 0 } } as unknown as Session;
}

function service(load: () => never = () => {
  throw new Error('engine must not load in this test');
}): McuService {
  return new McuService(parseConfig({}), createLogger('silent'), new Metrics({ defaultMetrics: false }), load);
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProtocolError);
  return (err as ProtocolError).code;
}

describe('McuService', () => {
  it('refuses an offer in a room that is not mixed (WRONG_TOPOLOGY), before loading the engine', async () => {
    expect(await code(service().offer(session(), new Room('r', 10, 'sfu'), OFFER))).toBe('WRONG_TOPOLOGY');
  });

  it('enforces the token grants: sending needs publish, receiving needs subscribe (FORBIDDEN)', async () => {
    const room = new Room('r', 10, 'mcu');
    expect(await code(service().offer(session({ publish: false, subscribe: true }), room, OFFER))).toBe('FORBIDDEN');
    expect(await code(service().offer(session({ publish: true, subscribe: false }), room, RECV_ONLY))).toBe('FORBIDDEN');
  });

  it('refuses an offer that is not SDP (INVALID_SDP)', async () => {
    expect(await code(service().offer(session(), new Room('r', 10, 'mcu'), 'hello'))).toBe('INVALID_SDP');
  });

  it('answers MCU_UNAVAILABLE when the engine cannot load, and tries to load it only once', async () => {
    let attempts = 0;
    const mcu = service(() => {
      attempts++;
      throw new Error('libwebrtc.node: cannot open shared object file');
    });
    expect(mcu.available()).toBe(false);
    expect(await code(mcu.offer(session(), new Room('r', 10, 'mcu'), OFFER))).toBe('MCU_UNAVAILABLE');
    expect(attempts).toBe(1);
    await mcu.close();
    expect(await code(mcu.offer(session(), new Room('r', 10, 'mcu'), OFFER))).toBe('MCU_UNAVAILABLE');
  });
});

describe('McuService, the downlink of SFU rooms', () => {
  it('refuses the downlink outside a room using the SFU, an offer that sends, and a token without subscribe, before loading the engine', async () => {
    const config = parseConfig({ server: { host: '127.0.0.1' }, media: { port: 0 } });
    const logger = createLogger('silent');
    const metrics = new Metrics({ defaultMetrics: false });
    const sfu = await SfuService.start(config, logger, metrics);
    const mcu = service();
    try {
      const on = { enabled: true, sdp: RECV_ONLY };
      expect(await code(mcu.downlink(session(), new Room('r', 10, 'sfu'), on))).toBe('WRONG_TOPOLOGY'); // no SFU known yet
      mcu.useSfu(sfu!);
      expect(await code(mcu.downlink(session(), new Room('r', 10, 'mesh'), on))).toBe('WRONG_TOPOLOGY');
      expect(await code(mcu.downlink(session(), new Room('r', 10, 'sfu'), { enabled: true, sdp: OFFER }))).toBe('INVALID_SDP');
      expect(await code(mcu.downlink(session({ publish: true, subscribe: false }), new Room('r', 10, 'sfu'), on))).toBe('FORBIDDEN');
      expect(await mcu.downlink(session(), new Room('r', 10, 'sfu'), { enabled: false })).toBeUndefined();
    } finally {
      await mcu.close();
      await sfu?.close();
    }
  });
});
