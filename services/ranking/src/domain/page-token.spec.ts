import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { AppError } from '@shopsense/errors';
import { decodePageToken, encodePageToken, MAX_PAGE_OFFSET, PAGE_TOKEN_TTL_MS, requestFingerprint, type PageCursor } from './page-token';

const KEY = 'a-test-key-of-32-bytes-length!!!';
const OLD_KEY = 'the-previous-key-still-accepted!';
const NOW = 1_700_000_000_000;
const fingerprint = requestFingerprint(['running shoes', '{"price":{"max":100}}', 'web', 'user-1']);
const cursor: PageCursor = { fingerprint, offset: 20, modelVersion: 'ftrl-20240501T120000Z-n100', issuedAtMs: NOW };

function rejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe('INVALID_ARGUMENT');
    expect(appError.fieldViolations).toHaveLength(1);
    expect(appError.fieldViolations[0]!.field).toBe('page_token');
    return appError.fieldViolations[0]!.description;
  }
  throw new Error('expected the token to be rejected');
}

describe('page tokens', () => {
  it('round-trips the cursor', () => {
    const token = encodePageToken(cursor, KEY);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, KEY, { fingerprint, nowMs: NOW + 1000 })).toEqual(cursor);
  });

  it('round-trips any cursor (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: MAX_PAGE_OFFSET }), fc.string(), (fp, offset, modelVersion) => {
        const c = { fingerprint: fp, offset, modelVersion, issuedAtMs: NOW };
        expect(decodePageToken(encodePageToken(c, KEY), KEY, { fingerprint: fp, nowMs: NOW })).toEqual(c);
      }),
    );
  });

  it('rejects a token with any byte changed', () => {
    const token = encodePageToken(cursor, KEY);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...'ABCxyz019-_.'), (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
        let rejected = false;
        try {
          decodePageToken(tampered, KEY, { fingerprint, nowMs: NOW });
        } catch (error) {
          rejected = error instanceof AppError && error.code === 'INVALID_ARGUMENT';
        }
        return rejected;
      }),
    );
  });

  it('rejects a non-canonical spelling of a valid signature (unused trailing bits changed)', () => {
    const token = encodePageToken(cursor, KEY);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token[token.length - 1]!);
    const twin = token.slice(0, -1) + alphabet[last ^ 1];
    expect(rejection(() => decodePageToken(twin, KEY, { fingerprint, nowMs: NOW }))).toMatch(/altered/);
  });

  it('rejects a forged offset even with a well-formed payload', () => {
    const [, signature] = encodePageToken(cursor, KEY).split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, f: fingerprint, o: 9000, m: cursor.modelVersion, t: NOW })).toString('base64url');
    expect(rejection(() => decodePageToken(`${forged}.${signature}`, KEY, { fingerprint, nowMs: NOW }))).toBe('was not issued by this service or was altered');
  });

  it('rejects tokens signed with another key, but accepts a retired key during rotation', () => {
    const old = encodePageToken(cursor, OLD_KEY);
    expect(rejection(() => decodePageToken(old, KEY, { fingerprint, nowMs: NOW }))).toMatch(/not issued by this service/);
    expect(decodePageToken(old, [KEY, OLD_KEY], { fingerprint, nowMs: NOW })).toEqual(cursor);
  });

  it('rejects an expired token, one from the future, and one for another query', () => {
    const token = encodePageToken(cursor, KEY);
    expect(decodePageToken(token, KEY, { fingerprint, nowMs: NOW + PAGE_TOKEN_TTL_MS })).toEqual(cursor);
    expect(rejection(() => decodePageToken(token, KEY, { fingerprint, nowMs: NOW + PAGE_TOKEN_TTL_MS + 1 }))).toBe('has expired (valid for 15 minutes)');
    expect(rejection(() => decodePageToken(token, KEY, { fingerprint, nowMs: NOW - 5 * 60_000 }))).toBe('was issued in the future');
    const other = requestFingerprint(['trail shoes', '{"price":{"max":100}}', 'web', 'user-1']);
    expect(rejection(() => decodePageToken(token, KEY, { fingerprint: other, nowMs: NOW }))).toMatch(/different query/);
  });

  it('rejects garbage', () => {
    for (const garbage of ['', 'abc', 'a.b.c', 'not base64!.x', 'x'.repeat(2000)]) expect(rejection(() => decodePageToken(garbage, KEY, { fingerprint, nowMs: NOW }))).toBeTruthy();
    expect(rejection(() => decodePageToken('x'.repeat(2000), KEY, { fingerprint, nowMs: NOW }))).toMatch(/too long/);
  });

  it('rejects a signed payload that is not a cursor (defence in depth)', () => {
    const payload = Buffer.from(JSON.stringify({ v: 1, f: fingerprint, o: -1, m: 'v', t: NOW })).toString('base64url');
    const signature = createHmac('sha256', KEY).update(payload).digest('base64url');
    expect(rejection(() => decodePageToken(`${payload}.${signature}`, KEY, { fingerprint, nowMs: NOW }))).toBe('is malformed');
  });

  it('refuses to sign a bad offset or with a short key', () => {
    expect(() => encodePageToken({ ...cursor, offset: -1 }, KEY)).toThrow(RangeError);
    expect(() => encodePageToken({ ...cursor, offset: MAX_PAGE_OFFSET + 1 }, KEY)).toThrow(RangeError);
    expect(() => encodePageToken(cursor, 'short')).toThrow(RangeError);
  });

  it('fingerprints requests stably and keeps differently split parts apart', () => {
    expect(requestFingerprint(['a', 'b'])).toBe(requestFingerprint(['a', 'b']));
    expect(requestFingerprint(['a|b', 'c'])).not.toBe(requestFingerprint(['a', 'b|c']));
    expect(requestFingerprint(['a'])).toHaveLength(22);
  });
});
