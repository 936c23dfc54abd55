import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, loadConfig, parseConfig } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config defaults', () => {
  it('needs nothing: every field has a safe default', () => {
    const c = parseConfig({});
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.tls.selfSigned).toBe(false);
    expect(c.auth).toMatchObject({ requireExternalTokens: false, tokenTtlS: 21_600 });
    expect(c.auth.secret).toBeUndefined();
    expect(c.rooms).toMatchObject({ maxParticipants: 50, autoCreate: true });
    expect(c.signaling).toMatchObject({ maxMessageBytes: 65_536, hardMaxMessageBytes: 1_048_576, ratePerSecond: 50, rateBurst: 200, resumeGraceMs: 30_000 });
    expect(c.ice).toEqual({ servers: [] });
    expect(c.log.level).toBe('info');
    expect(loadConfig()).toEqual(c);
  });

  it('fills in defaults beside the fields given', () => {
    const c = parseConfig({ signaling: { resumeGraceMs: 300 }, ice: { turn: { urls: ['turn:127.0.0.1:3478'], secret: 'turn-secret' } } });
    expect(c.signaling.resumeGraceMs).toBe(300);
    expect(c.signaling.maxMessageBytes).toBe(65_536);
    expect(c.ice.turn?.ttlS).toBe(86_400);
  });
});

describe('config validation', () => {
  it('rejects unknown top-level keys', () => {
    expect(configError(() => parseConfig({ sever: { port: 1 } })).message).toMatch(/sever/);
  });

  it('rejects unknown keys inside a section (a misspelt key is not silently dropped)', () => {
    expect(configError(() => parseConfig({ signaling: { resumeGracems: 300 } })).message).toMatch(/resumeGracems/);
    expect(configError(() => parseConfig({ server: { prot: 1 } })).message).toMatch(/prot/);
  });

  it('rejects a TLS certificate without a key, and a key without a certificate', () => {
    expect(configError(() => parseConfig({ tls: { cert: '/c.pem' } })).message).toMatch(/tls\.cert and tls\.key/);
    expect(configError(() => parseConfig({ tls: { key: '/k.pem' } })).message).toMatch(/tls\.cert and tls\.key/);
    expect(parseConfig({ tls: { cert: '/c.pem', key: '/k.pem' } }).tls).toMatchObject({ cert: '/c.pem', key: '/k.pem' });
  });

  it('lists every problem with its path', () => {
    const e = configError(() => parseConfig({ server: { port: 70_000 }, auth: { secret: 'short' }, log: { level: 'loud' } }));
    expect(e.message).toMatch(/server\.port/);
    expect(e.message).toMatch(/auth\.secret: auth\.secret must be at least 32 characters/);
    expect(e.message).toMatch(/log\.level/);
  });

  it('rejects values of the wrong type', () => {
    expect(configError(() => parseConfig({ server: { port: '8080' } })).message).toMatch(/server\.port/);
    expect(configError(() => parseConfig({ rooms: { maxParticipants: 1 } })).message).toMatch(/rooms\.maxParticipants/);
    expect(configError(() => parseConfig({ server: { publicUrl: 'not a url' } })).message).toMatch(/server\.publicUrl/);
  });
});

describe('configFromEnv', () => {
  it('maps and coerces variables', () => {
    expect(
      configFromEnv({ PARLEY_HOST: '0.0.0.0', PARLEY_PORT: '9000', PARLEY_SELF_SIGNED: 'yes', PARLEY_REQUIRE_EXTERNAL_TOKENS: 'off', PARLEY_LOG_LEVEL: 'debug', UNRELATED: 'x' }),
    ).toEqual({ server: { host: '0.0.0.0', port: 9000 }, tls: { selfSigned: true }, auth: { requireExternalTokens: false }, log: { level: 'debug' } });
  });

  it('accepts the usual spellings of booleans', () => {
    for (const t of ['1', 'true', 'TRUE', 'yes', 'on']) expect(configFromEnv({ PARLEY_SELF_SIGNED: t })).toEqual({ tls: { selfSigned: true } });
    for (const f of ['0', 'false', 'No', 'off']) expect(configFromEnv({ PARLEY_SELF_SIGNED: f })).toEqual({ tls: { selfSigned: false } });
  });

  it('rejects a non-number, naming the variable', () => {
    for (const bad of ['abc', '', '  ', '80x', 'Infinity']) {
      expect(configError(() => configFromEnv({ PARLEY_PORT: bad })).message).toMatch(/^PARLEY_PORT: expected a number/);
    }
  });

  it('rejects a non-boolean, naming the variable', () => {
    expect(configError(() => configFromEnv({ PARLEY_SELF_SIGNED: 'maybe' })).message).toMatch(/^PARLEY_SELF_SIGNED: expected true or false/);
  });

  it('lets the schema reject a coerced value that is out of range', () => {
    expect(configError(() => loadConfig({ env: { PARLEY_PORT: '-1' } })).message).toMatch(/server\.port/);
  });

  it("takes the SFU's heap growing factor (100 by default; 0: V8's own), within 0–1000", () => {
    expect(parseConfig({}).media.heapGrowingPercent).toBe(100);
    expect(loadConfig({ env: { PARLEY_MEDIA_HEAP_GROWING_PERCENT: '0' } }).media.heapGrowingPercent).toBe(0);
    expect(loadConfig({ env: { PARLEY_MEDIA_HEAP_GROWING_PERCENT: '400' } }).media.heapGrowingPercent).toBe(400);
    expect(configError(() => loadConfig({ env: { PARLEY_MEDIA_HEAP_GROWING_PERCENT: '5000' } })).message).toMatch(/media\.heapGrowingPercent/);
  });
});

describe('config files', () => {
  it('rejects a file that cannot be read', () => {
    expect(configError(() => loadConfig({ file: join(dir, 'missing.json') })).message).toMatch(/cannot read config file/);
  });

  it('rejects a file that is not JSON', () => {
    expect(configError(() => loadConfig({ file: file('bad.json', '{ port: 1 ') })).message).toMatch(/is not valid JSON/);
  });

  it('rejects a file whose top level is not an object', () => {
    expect(configError(() => loadConfig({ file: file('array.json', '[1]') })).message).toMatch(/top level must be an object/);
  });

  it('rejects unknown keys in a file', () => {
    expect(configError(() => loadConfig({ file: file('unknown.json', '{"rooms":{"autocreate":false}}') })).message).toMatch(/autocreate/);
  });
});

describe('config precedence', () => {
  const path = file('layers.json', JSON.stringify({ server: { host: '10.0.0.1', port: 1000 }, rooms: { autoCreate: false }, log: { level: 'warn' } }));

  it('file over defaults', () => {
    const c = loadConfig({ file: path });
    expect(c.server).toMatchObject({ host: '10.0.0.1', port: 1000 });
    expect(c.rooms.autoCreate).toBe(false);
    expect(c.rooms.maxParticipants).toBe(50);
  });

  it('environment over file, keeping the file for what the environment does not set', () => {
    const c = loadConfig({ file: path, env: { PARLEY_PORT: '2000', PARLEY_LOG_LEVEL: 'error' } });
    expect(c.server).toMatchObject({ host: '10.0.0.1', port: 2000 });
    expect(c.log.level).toBe('error');
    expect(c.rooms.autoCreate).toBe(false);
  });

  it('flags over environment over file', () => {
    const c = loadConfig({ file: path, env: { PARLEY_PORT: '2000', PARLEY_HOST: '10.0.0.2' }, flags: { server: { port: 3000 } } });
    expect(c.server).toMatchObject({ host: '10.0.0.2', port: 3000 });
  });

  it('validates the merged result', () => {
    expect(configError(() => loadConfig({ file: path, flags: { server: { port: 'x' } } })).message).toMatch(/server\.port/);
  });
});
