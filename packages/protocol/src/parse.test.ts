import { describe, expect, it } from 'vitest';
import { parseClientMessage, parseServerMessage, assertNever } from './parse.ts';
import { negotiateVersion, PROTOCOL_VERSION, SUPPORTED_VERSIONS } from './version.ts';
import { ProtocolError, ErrorCodes, FatalErrorCodes, CloseCodes } from './errors.ts';
import { McuSendLimit } from './messages.ts';

function failure(raw: string) {
  const r = parseClientMessage(raw);
  if (r.ok) throw new Error(`expected a failure for ${raw}`);
  return r;
}

describe('parseClientMessage', () => {
  it('accepts every client message type', () => {
    const valid = [
      { type: 'hello', versions: [1], token: 't' },
      { type: 'hello', id: 'h', versions: [1, 2], token: 't', resume: { sessionId: 's', resumeToken: 'r', lastSeq: 3 }, client: { sdk: 'x', version: '1' } },
      { type: 'leave' },
      { type: 'update', id: 'u', name: 'Ann', metadata: '{}' },
      { type: 'offer', to: 'p1', sdp: 'v=0' },
      { type: 'answer', id: 'a', to: 'p1', sdp: 'v=0' },
      { type: 'candidate', to: 'p1', candidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0 } },
      { type: 'candidate', to: 'p1', candidate: null },
      { type: 'ack', seq: 0 },
      { type: 'ping', id: 'p' },
    ];
    for (const m of valid) {
      const r = parseClientMessage(JSON.stringify(m));
      expect(r.ok, JSON.stringify(m)).toBe(true);
      if (r.ok) expect(r.message.type).toBe(m.type);
    }
  });

  it('accepts an mcuOffer with an id and an SDP, and rejects one without either (INVALID_MESSAGE)', () => {
    const ok = parseClientMessage(JSON.stringify({ type: 'mcuOffer', id: 'm1', sdp: 'v=0' }));
    expect(ok.ok && ok.message).toEqual({ type: 'mcuOffer', id: 'm1', sdp: 'v=0' });
    for (const bad of [{ type: 'mcuOffer', sdp: 'v=0' }, { type: 'mcuOffer', id: 'm2' }, { type: 'mcuOffer', id: 'm3', sdp: '' }, { type: 'mcuOffer', id: 'm4', sdp: 'x'.repeat(60_001) }]) {
      const r = failure(JSON.stringify(bad));
      expect(r.error.code, JSON.stringify(bad).slice(0, 60)).toBe('INVALID_MESSAGE');
      expect(r.type).toBe('mcuOffer');
    }
  });

  it("reads the MCU's send limit (mcuOffer's data.send) and refuses a malformed one", () => {
    expect(McuSendLimit.parse({ width: 640, height: 360, fps: 15, maxBitrateBps: 800_000 })).toEqual({ width: 640, height: 360, fps: 15, maxBitrateBps: 800_000 });
    for (const bad of [undefined, {}, { width: 0, height: 360, fps: 15, maxBitrateBps: 1 }, { width: 640, height: 360, fps: 1.5, maxBitrateBps: 1 }, { width: '640', height: 360, fps: 15, maxBitrateBps: 1 }]) {
      expect(McuSendLimit.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('accepts mcuDownlink on with an offer and off without one; refuses on without an offer (INVALID_MESSAGE)', () => {
    const on = parseClientMessage(JSON.stringify({ type: 'mcuDownlink', id: 'd1', enabled: true, sdp: 'v=0', showSelf: true }));
    expect(on.ok && on.message).toEqual({ type: 'mcuDownlink', id: 'd1', enabled: true, sdp: 'v=0', showSelf: true });
    const off = parseClientMessage(JSON.stringify({ type: 'mcuDownlink', id: 'd2', enabled: false }));
    expect(off.ok && off.message).toEqual({ type: 'mcuDownlink', id: 'd2', enabled: false });
    for (const bad of [{ type: 'mcuDownlink', id: 'd3', enabled: true }, { type: 'mcuDownlink', enabled: false }, { type: 'mcuDownlink', id: 'd4', enabled: 'yes' }]) {
      const r = failure(JSON.stringify(bad));
      expect(r.error.code, JSON.stringify(bad)).toBe('INVALID_MESSAGE');
      expect(r.type).toBe('mcuDownlink');
    }
  });

  it('parses the sfuBandwidth notification and refuses a negative or fractional estimate', () => {
    const ok = parseServerMessage(JSON.stringify({ type: 'sfuBandwidth', seq: 4, estimateBps: 250_000 }));
    expect(ok.ok && ok.message).toEqual({ type: 'sfuBandwidth', seq: 4, estimateBps: 250_000 });
    for (const estimateBps of [-1, 1.5]) expect(parseServerMessage(JSON.stringify({ type: 'sfuBandwidth', seq: 5, estimateBps })).ok).toBe(false);
  });

  it('parses audioSlots (ids or null per slot, at most 8) and sfuOffer slots; knows AUDIO_ONLY', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'audioSlots', seq: 2, slots: ['ann', null, 'bob'] })).ok).toBe(true);
    expect(parseServerMessage(JSON.stringify({ type: 'audioSlots', seq: 2, slots: Array(9).fill(null) })).ok).toBe(false);
    expect(parseServerMessage(JSON.stringify({ type: 'audioSlots', seq: 2, slots: ['bad id!'] })).ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ type: 'sfuOffer', id: '1', sdp: 'v=0', publish: [], subscribe: [], slots: ['1', '2'] })).ok).toBe(true);
    expect(parseClientMessage(JSON.stringify({ type: 'sfuOffer', id: '1', sdp: 'v=0', publish: [], subscribe: [], slots: Array(9).fill('m') })).ok).toBe(false);
    expect(ErrorCodes.indexOf('AUDIO_ONLY')).toBe(ErrorCodes.length - 1);
  });

  it('knows the mcu topology and policy, and MCU_UNAVAILABLE as a stable code', () => {
    const changed = parseServerMessage(JSON.stringify({ type: 'topologyChanged', seq: 1, topology: 'mcu' }));
    expect(changed.ok && changed.message).toEqual({ type: 'topologyChanged', seq: 1, topology: 'mcu' });
    expect(parseServerMessage(JSON.stringify({ type: 'topologyChanged', seq: 1, topology: 'p2p' })).ok).toBe(false);
    expect(ErrorCodes).toContain('MCU_UNAVAILABLE');
    // Codes are only ever appended: AUDIO_ONLY came after it.
    expect(ErrorCodes.indexOf('MCU_UNAVAILABLE')).toBe(ErrorCodes.indexOf('AUDIO_ONLY') - 1);
  });

  it('rejects text that is not JSON with MALFORMED_JSON', () => {
    for (const raw of ['', '{', 'hello', '{"type":"ping",}', "{'type':'ping'}"]) {
      const r = failure(raw);
      expect(r.error).toBeInstanceOf(ProtocolError);
      expect(r.error.code).toBe('MALFORMED_JSON');
      expect(r.id).toBeUndefined();
    }
  });

  it('rejects JSON that is not an object with INVALID_MESSAGE', () => {
    for (const raw of ['null', '42', '"ping"', 'true', '[]', '[{"type":"ping"}]']) expect(failure(raw).error.code).toBe('INVALID_MESSAGE');
  });

  it('rejects a missing type with UNKNOWN_TYPE, echoing the id', () => {
    const r = failure('{"id":"req-1","to":"x"}');
    expect(r.error.code).toBe('UNKNOWN_TYPE');
    expect(r.id).toBe('req-1');
    expect(r.type).toBeUndefined();
  });

  it('rejects an unknown type with UNKNOWN_TYPE, echoing id and type', () => {
    const r = failure('{"type":"subscribe","id":"7"}');
    expect(r.error.code).toBe('UNKNOWN_TYPE');
    expect(r.error.message).toContain('subscribe');
    expect(r).toMatchObject({ id: '7', type: 'subscribe' });
  });

  it('treats a non-string type as missing', () => {
    expect(failure('{"type":5}')).toMatchObject({ type: undefined, error: { code: 'UNKNOWN_TYPE' } });
  });

  it('does not echo an id that is not a usable request id', () => {
    expect(failure('{"type":"nope","id":5}').id).toBeUndefined();
    expect(failure('{"type":"nope","id":""}').id).toBeUndefined();
    expect(failure(`{"type":"nope","id":"${'x'.repeat(65)}"}`).id).toBeUndefined();
  });

  it('truncates an echoed type to 64 characters', () => {
    expect(failure(JSON.stringify({ type: 'y'.repeat(500) })).type).toHaveLength(64);
  });

  it('rejects schema violations with INVALID_MESSAGE, naming the field, and echoes id and type', () => {
    const cases: Array<[object, string]> = [
      [{ type: 'hello', id: 'h1', versions: [], token: 't' }, 'versions'],
      [{ type: 'hello', id: 'h1', versions: [1] }, 'token'],
      [{ type: 'hello', id: 'h1', versions: ['1'], token: 't' }, 'versions'],
      [{ type: 'offer', id: 'o1', to: 'bad id!', sdp: 'v=0' }, 'to'],
      [{ type: 'offer', id: 'o1', to: 'p', sdp: '' }, 'sdp'],
      [{ type: 'offer', id: 'o1', to: 'p', sdp: 'x'.repeat(60_001) }, 'sdp'],
      [{ type: 'candidate', id: 'c1', to: 'p', candidate: { candidate: 'x'.repeat(1025) } }, 'candidate'],
      [{ type: 'candidate', id: 'c1', to: 'p' }, 'candidate'],
      [{ type: 'ack', id: 'a1', seq: -1 }, 'seq'],
      [{ type: 'ack', id: 'a1', seq: 1.5 }, 'seq'],
      [{ type: 'update', id: 'u1', name: '   ' }, 'name'],
      [{ type: 'ping', id: 'x'.repeat(65) }, 'id'],
    ];
    for (const [msg, field] of cases) {
      const r = parseClientMessage(JSON.stringify(msg));
      expect(r.ok, JSON.stringify(msg).slice(0, 80)).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('INVALID_MESSAGE');
      expect(r.error.message).toContain(field);
      expect(r.type).toBe((msg as { type: string }).type);
      if ((msg as { id: string }).id.length <= 64) expect(r.id).toBe((msg as { id: string }).id);
    }
  });

  it('keeps error messages short', () => {
    const r = failure(JSON.stringify({ type: 'offer', to: 'p', sdp: 5 }));
    expect(r.error.message.length).toBeLessThanOrEqual(220);
  });

  it('never throws, whatever the input', () => {
    for (const raw of ['{"__proto__":{"type":"ping"}}', '{"type":"hello","versions":null}', '\u0000', '{"type":"ping","id":{}}']) {
      expect(() => parseClientMessage(raw)).not.toThrow();
    }
  });
});

describe('parseServerMessage', () => {
  it('accepts a notification and rejects a frame that is no server message', () => {
    expect(parseServerMessage('{"type":"offer","seq":1,"from":"p","sdp":"v=0"}').ok).toBe(true);
    const bad = parseServerMessage('{"type":"offer","from":"p"}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('INVALID_MESSAGE');
    const junk = parseServerMessage('nope');
    if (!junk.ok) expect(junk.error.code).toBe('MALFORMED_JSON');
  });
});

describe('negotiateVersion', () => {
  it('picks the highest version both sides speak', () => {
    expect(negotiateVersion([1], [1])).toBe(1);
    expect(negotiateVersion([1, 2, 3], [2, 1])).toBe(2);
    expect(negotiateVersion([3, 1, 2], [1, 2, 3])).toBe(3);
  });
  it('returns undefined when there is no common version', () => {
    expect(negotiateVersion([2, 3], [1])).toBeUndefined();
    expect(negotiateVersion([], [1])).toBeUndefined();
  });
  it('defaults to the versions this build supports', () => {
    expect(SUPPORTED_VERSIONS).toContain(PROTOCOL_VERSION);
    expect(negotiateVersion([PROTOCOL_VERSION, 999])).toBe(PROTOCOL_VERSION);
  });
});

describe('ProtocolError', () => {
  it('carries a stable code, a message, a name and a cause', () => {
    const cause = new Error('inner');
    const e = new ProtocolError('ROOM_FULL', 'room is full', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.name).toBe('ProtocolError');
    expect(e.code).toBe('ROOM_FULL');
    expect(e.cause).toBe(cause);
    expect(e.toBody()).toEqual({ code: 'ROOM_FULL', message: 'room is full' });
  });

  it('has a unique code table whose fatal codes are all known', () => {
    expect(new Set(ErrorCodes).size).toBe(ErrorCodes.length);
    for (const c of FatalErrorCodes) expect(ErrorCodes).toContain(c);
    expect(CloseCodes).toMatchObject({ normal: 1000, protocolError: 1002, policyViolation: 1008, messageTooBig: 1009 });
  });
});

describe('assertNever', () => {
  it('throws a TypeError', () => {
    expect(() => assertNever('x' as never)).toThrow(TypeError);
  });
});
