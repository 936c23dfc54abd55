import { describe, expect, it } from 'vitest';
import { channelLabel, encodeMessage, parseMessage, sanitizeFileName, sanitizeMimeType, transferIdFromLabel, type HeaderMessage } from './wire.ts';

const ID = '0123456789abcdef0123456789abcdef';
const header = (over: Record<string, unknown> = {}) => JSON.stringify({ type: 'header', version: 1, id: ID, name: 'report.pdf', size: 1234, mimeType: 'application/pdf', ...over });

describe('file channel labels', () => {
  it('round-trip a transfer id', () => {
    expect(transferIdFromLabel(channelLabel(ID))).toBe(ID);
  });
  it('are not file channels without the prefix, and bad ids are refused', () => {
    expect(transferIdFromLabel('parley')).toBeUndefined();
    expect(transferIdFromLabel('chat:abc')).toBeUndefined();
    expect(transferIdFromLabel('file:')).toBeUndefined();
    expect(transferIdFromLabel('file:short')).toBeUndefined();
    expect(transferIdFromLabel('file:../../etc/passwd')).toBeUndefined();
    expect(transferIdFromLabel(`file:${'a'.repeat(65)}`)).toBeUndefined();
  });
});

describe('parseMessage', () => {
  it('reads what encodeMessage writes', () => {
    const h: HeaderMessage = { type: 'header', version: 1, id: ID, name: 'a.txt', size: 0, mimeType: 'text/plain' };
    for (const m of [h, { type: 'ready' }, { type: 'trailer', sha256: 'ab'.repeat(32) }, { type: 'done' }, { type: 'cancel' }, { type: 'error', code: 'HASH_MISMATCH', message: 'x' }] as const) {
      expect(parseMessage(encodeMessage(m))).toEqual({ ok: true, message: m });
    }
  });

  it('accepts a header and cleans its name and type', () => {
    const r = parseMessage(header({ name: '../../.bashrc', mimeType: 'Text/HTML; charset=utf-8' }));
    expect(r).toEqual({ ok: true, message: { type: 'header', version: 1, id: ID, name: 'bashrc', size: 1234, mimeType: 'text/html; charset=utf-8' } });
    const noType = parseMessage(header({ mimeType: undefined }));
    expect(noType.ok && noType.message.type === 'header' && noType.message.mimeType).toBe('');
  });

  it.each([
    ['not JSON', '{"type":'],
    ['an array', '[1,2]'],
    ['no type', '{"name":"x"}'],
    ['a bad id', header({ id: 'x' })],
    ['an empty name', header({ name: '' })],
    ['a numeric name', header({ name: 5 })],
    ['a negative size', header({ size: -1 })],
    ['a fractional size', header({ size: 1.5 })],
    ['a size beyond 2^53', header({ size: 2 ** 60 })],
    ['a string size', header({ size: '10' })],
    ['a numeric mimeType', header({ mimeType: 7 })],
    ['a short sha256', '{"type":"trailer","sha256":"abc"}'],
    ['an uppercase sha256', JSON.stringify({ type: 'trailer', sha256: 'AB'.repeat(32) })],
    ['a huge message', JSON.stringify({ type: 'cancel', pad: 'x'.repeat(5000) })],
  ])('refuses a message with %s as MALFORMED_MESSAGE', (_, text) => {
    expect(parseMessage(text)).toMatchObject({ ok: false, code: 'MALFORMED_MESSAGE' });
  });

  it('refuses unknown types and wire versions as UNEXPECTED_MESSAGE', () => {
    expect(parseMessage('{"type":"resume"}')).toMatchObject({ ok: false, code: 'UNEXPECTED_MESSAGE' });
    expect(parseMessage(header({ version: 2 }))).toMatchObject({ ok: false, code: 'UNEXPECTED_MESSAGE' });
  });

  it('maps an unknown error code from the other side to UNEXPECTED_MESSAGE and bounds its text', () => {
    const r = parseMessage(JSON.stringify({ type: 'error', code: 'WHATEVER', message: 'y'.repeat(2000) }));
    expect(r.ok && r.message.type === 'error' && r.message.code).toBe('UNEXPECTED_MESSAGE');
    expect(r.ok && r.message.type === 'error' && r.message.message.length).toBe(500);
  });
});

describe('sanitizeFileName', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['C:\\Users\\me\\notes.txt', 'notes.txt'],
    ['dir/sub/x.bin', 'x.bin'],
    ['..', 'file'],
    ['', 'file'],
    ['a\u0000b\nc.txt', 'a_b_c.txt'],
    ['what?.txt', 'what_.txt'],
  ])('%j → %j', (input, output) => {
    expect(sanitizeFileName(input)).toBe(output);
  });
  it('keeps at most 255 characters', () => {
    expect(sanitizeFileName('n'.repeat(1000))).toHaveLength(255);
  });
});

describe('sanitizeMimeType', () => {
  it('keeps type/subtype, drops anything else', () => {
    expect(sanitizeMimeType('image/png')).toBe('image/png');
    expect(sanitizeMimeType('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toContain('vnd.openxml');
    expect(sanitizeMimeType('')).toBe('');
    expect(sanitizeMimeType('text')).toBe('');
    expect(sanitizeMimeType('<script>/x')).toBe('');
  });
});
