import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { joinWs, sdp, uniqueRoom } from '../support/fixtures.ts';

/** `mcuOffer` at the edge: validated like every message, refused in rooms the MCU does not mix. No media here. */
describe('mcuOffer signaling', () => {
  let server: TestServer;
  let noMcu: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    noMcu = await startTestServer({ mcu: { enabled: false } });
  });
  afterAll(async () => {
    await server.close();
    await noMcu.close();
  });

  it('rejects an mcuOffer without an sdp (INVALID_MESSAGE) and one in a mesh room (WRONG_TOPOLOGY)', async () => {
    const room = uniqueRoom('mcu');
    const a = await joinWs(server, room, 'ann');
    const bad = await a.request({ type: 'mcuOffer' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    const wrong = await a.request({ type: 'mcuOffer', sdp: sdp() });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'WRONG_TOPOLOGY' } });
    a.terminate();
  });

  it('creates mcu rooms through the API, and refuses them when the MCU is off (MCU_UNAVAILABLE)', async () => {
    const ok = await fetch(`${server.httpUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: uniqueRoom('mcu'), topology: 'mcu' }) });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ topology: 'mcu', policy: 'mcu' });
    const off = await fetch(`${noMcu.httpUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topology: 'mcu' }) });
    expect(off.status).toBeGreaterThanOrEqual(400);
    expect(await off.json()).toMatchObject({ error: { code: 'MCU_UNAVAILABLE' } });
  });
});
