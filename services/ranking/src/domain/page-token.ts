import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '@shopsense/errors';

/**
 * Opaque page tokens: page 2 of a search must continue the same ranking, so the token carries
 * what the service needs to reproduce it (a fingerprint of the request, the offset, the model
 * version) and is signed with an HMAC so a client can neither forge an offset nor replay a token
 * against another query. Format: base64url(JSON) "." base64url(HMAC-SHA256). Not encrypted: it
 * holds nothing secret (the fingerprint is a hash).
 *
 * Every way a token can be wrong is an INVALID_ARGUMENT on `page_token` (the transport maps it),
 * with a description that says which (malformed, not ours, expired, another query).
 */

export interface PageCursor {
  /** requestFingerprint of the request that issued the token. */
  fingerprint: string;
  /** 0-based index of the first item of the next page. */
  offset: number;
  /** The model version that ranked the first page. */
  modelVersion: string;
  issuedAtMs: number;
}

/** An HMAC key: a secret from configuration (at least 16 bytes). */
export type PageTokenKey = string | Uint8Array;

/** "A token is valid for 15 minutes with the same query" (ranking.proto). */
export const PAGE_TOKEN_TTL_MS = 15 * 60 * 1000;
export const MAX_PAGE_TOKEN_LENGTH = 1024;
/** Deeper than this is not paging, it is scraping; retrieval returns far fewer candidates anyway. */
export const MAX_PAGE_OFFSET = 10_000;

const TOKEN_VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const invalid = (description: string) => AppError.invalidArgument([{ field: 'page_token', description }]);

function keyBytes(key: PageTokenKey): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < 16) throw new RangeError('page token key must be at least 16 bytes');
  return bytes;
}

const mac = (key: PageTokenKey, payload: string): Buffer => createHmac('sha256', keyBytes(key)).update(payload, 'utf8').digest();

/**
 * A short, stable digest of what defines a result list (query, filters, channel, user, ...): the
 * caller lists the parts, in a fixed order; JSON keeps "a|b" + "c" apart from "a" + "b|c".
 */
export function requestFingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('base64url').slice(0, 22);
}

export function encodePageToken(cursor: PageCursor, key: PageTokenKey): string {
  if (!Number.isInteger(cursor.offset) || cursor.offset < 0 || cursor.offset > MAX_PAGE_OFFSET) throw new RangeError(`page offset must be an integer in [0, ${MAX_PAGE_OFFSET}], got ${cursor.offset}`);
  const payload = Buffer.from(JSON.stringify({ v: TOKEN_VERSION, f: cursor.fingerprint, o: cursor.offset, m: cursor.modelVersion, t: cursor.issuedAtMs }), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/**
 * Verifies and opens a token. `keys`: the current key first, then retired ones still accepted
 * during a rotation. Throws AppError INVALID_ARGUMENT (field page_token) when the token is
 * malformed, not signed by any key, expired, or issued for another request fingerprint.
 */
export function decodePageToken(token: string, keys: PageTokenKey | readonly PageTokenKey[], expected: { fingerprint: string; nowMs: number; ttlMs?: number }): PageCursor {
  if (token.length > MAX_PAGE_TOKEN_LENGTH) throw invalid(`is too long (at most ${MAX_PAGE_TOKEN_LENGTH} characters)`);
  const parts = token.split('.');
  if (parts.length !== 2 || !BASE64URL.test(parts[0]) || !BASE64URL.test(parts[1])) throw invalid('is malformed');
  const [payload, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical encoding: the last character of a 32-byte signature has 2 unused bits, so
  // without this check 4 spellings of one token would verify (a flaky "any byte changed" test).
  if (given.toString('base64url') !== signature) throw invalid('was not issued by this service or was altered');
  const keyList: readonly PageTokenKey[] = typeof keys === 'string' || keys instanceof Uint8Array ? [keys] : (keys as readonly PageTokenKey[]);
  const signed = keyList.some((key) => {
    const wanted = mac(key, payload);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  });
  if (!signed) throw invalid('was not issued by this service or was altered');

  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is malformed');
  }
  const b = body as Record<string, unknown> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    b['v'] !== TOKEN_VERSION ||
    typeof b['f'] !== 'string' ||
    typeof b['m'] !== 'string' ||
    typeof b['o'] !== 'number' ||
    !Number.isInteger(b['o']) ||
    b['o'] < 0 ||
    b['o'] > MAX_PAGE_OFFSET ||
    typeof b['t'] !== 'number' ||
    !Number.isFinite(b['t'])
  ) {
    throw invalid('is malformed');
  }
  const cursor: PageCursor = { fingerprint: b['f'], offset: b['o'], modelVersion: b['m'], issuedAtMs: b['t'] };
  const ttl = expected.ttlMs ?? PAGE_TOKEN_TTL_MS;
  if (expected.nowMs - cursor.issuedAtMs > ttl) throw invalid(`has expired (valid for ${Math.round(ttl / 60000)} minutes)`);
  if (cursor.issuedAtMs - expected.nowMs > 60_000) throw invalid('was issued in the future');
  if (cursor.fingerprint !== expected.fingerprint) throw invalid('belongs to a different query or filters; start again without a token');
  return cursor;
}
