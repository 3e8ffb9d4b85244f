import type { SynonymRule } from '../synonyms/synonym-rules';

/** One word of a bilingual dictionary: Chinese (simplified) and its English renderings. */
export interface TranslationEntry {
  zh: string;
  english: readonly string[];
}

/** Renderings kept per Chinese word: the first senses are the common ones. */
const MAX_RENDERINGS = 3;

/**
 * Query translations for this catalog: a Chinese word becomes a one-way synonym of the English
 * renderings whose every word the catalog's titles use ("烧杯" → "beaker" in a shop that sells
 * beakers). A rendering in words the shop never uses cannot match a title, and would only make
 * the expansion noisier, so it is left out; so is a Chinese word the catalog already explains
 * (a synonym rule or a mined alias).
 */
export function translationRules(entries: Iterable<TranslationEntry>, keysOf: (phrase: string) => readonly string[], catalogWords: ReadonlySet<string>, known: ReadonlySet<string>): SynonymRule[] {
  const rules: SynonymRule[] = [];
  for (const { zh, english } of entries) {
    if (known.has(zh)) continue;
    const kept = english.filter((phrase) => {
      const keys = keysOf(phrase);
      return keys.length > 0 && keys.every((key) => catalogWords.has(key));
    });
    if (kept.length > 0) rules.push({ kind: 'one-way', from: [zh], to: kept.slice(0, MAX_RENDERINGS) });
  }
  return rules;
}

/** Two to eight Han characters: one is too ambiguous to translate. */
export const HAN_WORD = /^[\u3400-\u9fff]{2,8}$/;
const SKIP = /surname|variant of|abbr\.|\bsee\b|\bCL:|\[|\||\bused in\b|^\s*$/i;

/**
 * The English renderings of one dictionary definition worth searching for: senses split on "/"
 * and ";", parentheses dropped, "to " of verbs dropped, at most three words, no cross references
 * or names. Lower case.
 */
export function renderingsOf(definition: string | readonly string[]): string[] {
  const senses = (typeof definition === 'string' ? definition.split('/') : definition).flatMap((sense) => sense.split(';'));
  const out: string[] = [];
  for (const sense of senses) {
    if (SKIP.test(sense.trim())) continue;
    const plain = sense
      .replace(/\([^)]*\)/g, ' ')
      .replace(/^\s*to\s+/i, '')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
    if (plain === '' || plain.split(' ').length > 3 || /[^a-z0-9 '-]/.test(plain)) continue;
    if (!out.includes(plain)) out.push(plain);
  }
  return out;
}

/** Whether a dictionary headword is worth translating (HAN_WORD). */
export const isTranslatableWord = (word: string) => HAN_WORD.test(word);
