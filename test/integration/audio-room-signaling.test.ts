import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { joinWs, sdp, uniqueRoom } from '../support/fixtures.ts';

const post = (server: TestServer, body: unknown) => fetch(`${server.httpUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Audio-only rooms at the edge: created through the API, SFU from the first participant, microphones only. No media here. */
describe('audio-only rooms', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('are created with 3 slots by default or as many as asked, and validated', async () => {
    const made = await post(server, { id: uniqueRoom('aud'), audioOnly: true });
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ topology: 'sfu', policy: 'sfu', audioOnly: { loudest: 3 } });
    expect(await (await post(server, { id: uniqueRoom('aud'), audioOnly: true, loudest: 5, topology: 'sfu' })).json()).toMatchObject({ audioOnly: { loudest: 5 } });
    for (const body of [{ loudest: 2 }, { audioOnly: true, loudest: 0 }, { audioOnly: true, loudest: 9 }, { audioOnly: true, topology: 'mesh' }, { audioOnly: true, topology: 'mcu' }]) {
      const res = await post(server, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
  });

  it('welcome the first participant on the SFU with the slot count; video, producer subscriptions and too many slots are refused', async () => {
    const room = uniqueRoom('aud');
    await server.createRoom({ id: room, audioOnly: true, loudest: 2 });
    const a = await joinWs(server, room, 'ann');
    expect(a.welcome?.room).toMatchObject({ topology: 'sfu', audioOnly: { loudest: 2 } });
    const camera = await a.request({ type: 'sfuOffer', sdp: sdp(), publish: [{ mid: '0', source: 'microphone' }, { mid: '1', source: 'camera' }], subscribe: [] });
    expect(camera).toMatchObject({ ok: false, error: { code: 'AUDIO_ONLY' } });
    const subscribe = await a.request({ type: 'sfuOffer', sdp: sdp(), publish: [], subscribe: [{ mid: '1', producerId: 'x' }] });
    expect(subscribe).toMatchObject({ ok: false, error: { code: 'AUDIO_ONLY' } });
    const tooMany = await a.request({ type: 'sfuOffer', sdp: sdp(), publish: [], subscribe: [], slots: ['1', '2', '3'] });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const downlink = await a.request({ type: 'mcuDownlink', enabled: true, sdp: sdp() });
    expect(downlink).toMatchObject({ ok: false, error: { code: 'AUDIO_ONLY' } });
    a.terminate();
  });

  it('refuses slots in other rooms (WRONG_TOPOLOGY)', async () => {
    const room = uniqueRoom('sfu');
    await server.createRoom({ id: room, topology: 'sfu' });
    const a = await joinWs(server, room, 'bob');
    expect(a.welcome?.room.audioOnly).toBeUndefined();
    const res = await a.request({ type: 'sfuOffer', sdp: sdp(), publish: [], subscribe: [], slots: ['1'] });
    expect(res).toMatchObject({ ok: false, error: { code: 'WRONG_TOPOLOGY' } });
    a.terminate();
  });
});
