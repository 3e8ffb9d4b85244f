export type QueryLanguage = 'zh' | 'en' | 'mixed' | 'unknown';

const HAN = /\p{Script=Han}/u;
/**
 * A run of two or more Latin letters. Single letters glued to digits ("3d", "5g") or to Han
 * ("t恤") are model numbers and loan letters, not English words, so they do not make a Chinese
 * query "mixed".
 */
const LATIN_WORD = /\p{Script=Latin}{2,}/u;

/**
 * Detects the language of a normalised query from its scripts: Han only → zh, Latin words only
 * → en, both → mixed ("耐克 air max 跑鞋"). With neither (digits, symbols, other scripts) the
 * caller's locale hint decides, and without a usable hint the answer is "unknown".
 */
export function detectLanguage(normalized: string, localeHint: string): QueryLanguage {
  const han = HAN.test(normalized);
  const latin = LATIN_WORD.test(normalized);
  if (han && latin) return 'mixed';
  if (han) return 'zh';
  if (latin) return 'en';
  return languageOfLocale(localeHint);
}

/** The language of a BCP 47 tag we understand ("zh-CN", "zh-Hant-TW", "en-US", "en"), else unknown. */
export function languageOfLocale(localeHint: string): QueryLanguage {
  const primary = localeHint.split(/[-_]/)[0].toLowerCase();
  if (primary === 'zh') return 'zh';
  if (primary === 'en') return 'en';
  return 'unknown';
}

/** A BCP 47 language tag in the shape callers send ("zh-CN", "en", "zh-Hant-TW"; "_" tolerated). */
export const LOCALE_TAG = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/;
