/**
 * The normal form of a query, which every later stage works on and whose character offsets the
 * tokens, the extracted spans and the residual text refer to:
 *
 * - unpaired UTF-16 surrogates dropped (they cannot be encoded on the wire);
 * - Unicode NFKC: full-width letters, digits and ASCII punctuation fold to half-width
 *   ("ｎｉｋｅ" → "nike", "１００元" → "100元", "＄" → "$"), the ideographic space to a space,
 *   ligatures and unit symbols to letters ("㎖" → "ml");
 * - lower case (locale-independent);
 * - punctuation: the characters that carry meaning in product queries are kept (currency signs,
 *   "-" "~" "/" for ranges and sizes, "#" "&" "%" "+" "<" ">" "="), "." and "," only between
 *   digits (19.99, 1,000), "'" only inside a word (men's); every other symbol, CJK punctuation
 *   included, becomes a space;
 * - whitespace collapsed and trimmed.
 *
 * Idempotent: normalizeQuery(normalizeQuery(x)) === normalizeQuery(x).
 */
export function normalizeQuery(raw: string): string {
  return raw
    .replace(UNPAIRED_SURROGATE, ' ')
    .normalize('NFKC')
    .toLowerCase()
    // Lower-casing can leave a decomposed sequence (e.g. "İ" → "i̇"); fold again.
    .normalize('NFKC')
    .replace(APOSTROPHES, "'")
    .replace(DASHES, '-')
    .replace(FRACTION_SLASH, '/')
    .replace(NOT_KEPT, ' ')
    .replace(STRAY_SEPARATOR, ' ')
    .replace(STRAY_APOSTROPHE, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const APOSTROPHES = /[\u2018\u2019\u02BC\u2032\uFF07]/g;
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63]/g;
const FRACTION_SLASH = /\u2044/g;
/**
 * Everything but letters, combining marks, numbers, whitespace, the symbols that mean something
 * in a query, and ". , '" (which the next two patterns judge by their neighbours). Astral
 * symbols (emoji) go too; astral letters (rare CJK ideographs) stay.
 */
const NOT_KEPT = /[^\p{L}\p{M}\p{N}\s$¥€£\-~/#&%+<>=.,']/gu;
/** "." and "," that are not between two digits (19.99 and 1,000 keep theirs). */
const STRAY_SEPARATOR = /(?<!\d)[.,]|[.,](?!\d)/g;
/** "'" that is not inside a word (men's keeps its own). */
const STRAY_APOSTROPHE = /(?<!\p{L})'|'(?!\p{L})/gu;

const catalogFieldMemo = new Map<string, string>();

/**
 * normalizeQuery for catalog field values (brands, attribute values, category names), which
 * repeat across thousands of products: memoised, bounded.
 */
export function normalizeField(value: string): string {
  let normalized = catalogFieldMemo.get(value);
  if (normalized === undefined) {
    normalized = normalizeQuery(value);
    if (catalogFieldMemo.size >= 100_000) catalogFieldMemo.clear();
    catalogFieldMemo.set(value, normalized);
  }
  return normalized;
}
