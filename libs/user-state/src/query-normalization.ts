import { createHash } from 'node:crypto';

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
/** Phone, card and account numbers: 9+ digits, possibly split by spaces, dots, dashes or parentheses. */
const LONG_NUMBER = /\+?\d(?:[\s().-]*\d){8,}/g;

/**
 * Replaces what looks like personal data in free text (e-mail addresses, phone / card /
 * account numbers) with placeholders, so queries can be kept for statistics and training
 * without carrying them. Product codes (up to 8 digits) survive.
 */
export function scrubQueryPii(query: string): string {
  return query.replace(EMAIL, ' email ').replace(LONG_NUMBER, ' number ');
}

/**
 * The normal form of a search query used for query-level CTR features and training examples,
 * so "Red  Shoes", "red shoes" and "ｒｅｄ shoes" share statistics: personal data scrubbed,
 * Unicode NFKC, lower case, punctuation turned into spaces (letters and digits of every script
 * are kept, so Chinese queries survive), whitespace collapsed. Writer (feedback) and reader
 * (ranking) must use this same function.
 */
export function normalizeQuery(query: string): string {
  return scrubQueryPii(query.normalize('NFKC'))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/**
 * The key under which a normalised query's statistics are stored: a SHA-256 prefix, so no
 * free text (a query may hold a name or an e-mail address) is written to Redis with the
 * ranking features. 96 bits: collisions are negligible for any realistic number of distinct
 * queries. The one exception is search analytics (countSearch), whose whole point is to show
 * the queries: they keep the normalised, scrubbed text, with counts only (no user), per day.
 */
export function queryDigest(normalizedQuery: string): string {
  return createHash('sha256').update(normalizedQuery, 'utf8').digest('base64url').slice(0, 16);
}
