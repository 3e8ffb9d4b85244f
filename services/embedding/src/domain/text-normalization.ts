/**
 * The normal form of a text before it is embedded: Unicode NFKC (full-width letters and digits
 * become their ASCII forms), whitespace runs collapsed, ends trimmed. Case is kept: cased
 * models see it. Queries are embedded in this form, so the cache key and the embedded text
 * always agree.
 */
export function normalizeForEmbedding(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}
