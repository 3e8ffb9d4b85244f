import { CHINESE_NUMERAL_CHARS, parseChineseNumeral } from '../text/chinese-numerals';

export interface PriceConstraint {
  min?: number;
  max?: number;
}

export interface Span {
  start: number;
  end: number;
}

export interface PriceExtraction {
  price?: PriceConstraint;
  /** The text that expressed the constraint, cue words and currency included. */
  spans: Span[];
}

type Kind = 'max' | 'min' | 'range' | 'around';

interface PricePattern {
  name: string;
  kind: Kind;
  regex: RegExp;
  /**
   * A bare number after a cue is only a price when nothing says otherwise: "under 50" is, "50-100"
   * is not (a size range? a model?) unless a currency or a price word comes with it.
   */
  needs: 'nothing' | 'currency' | 'currency-or-keyword';
}

/** How far "around $50" reaches: ±20 %, a shopper's "about" rather than an exact price. */
const AROUND_BAND = 0.2;
/** Larger amounts are not prices a shopper types; refusing them also keeps every bound finite. */
const MAX_AMOUNT = 1e9;

const ARABIC = String.raw`\d+(?:,\d{3})*(?:\.\d+)?(?:\s?(?:k(?![\p{L}])|千(?![克米瓦])|万))?`;
const CHINESE = `[${CHINESE_NUMERAL_CHARS}]+`;
const NUM = `(?:${ARABIC}|${CHINESE})`;
const CUR_PREFIX = String.raw`(?:[$¥€£]|us\$|usd|rmb|cny)\s?`;
const CUR_SUFFIX = String.raw`\s?(?:元|块钱|块|rmb|cny|usd|dollars?|bucks|美元|美金|刀|yuan|euros?|eur)`;
/** A number followed by one of these measures something else: "under 5 kg", "100w以上". */
const NOT_MONEY = String.raw`(?!\s?(?:mm|cm|m|inch|inches|in|ft|feet|kg|g|lbs?|oz|ml|l|w|v|mah|gb|tb|mb|hz|pcs|pieces|pack|count|psi|x|%|"|号|码|寸|英寸|米|厘米|毫米|克|千克|斤|公斤|升|毫升|瓦|伏|岁|个|件|天|年|月|人|g\b)(?![\p{L}]))`;
const LEFT = String.raw`(?<![\p{Script=Latin}\p{N}.$])`;
const RIGHT = String.raw`(?![\p{Script=Latin}\p{N}])`;
/** "kids under 5", "size between 38 and 40": the number is an age or a size. */
const NOT_AGE_OR_SIZE = String.raw`(?<!(?:kids|children|child|baby|babies|toddlers?|ages?|years?|size|sz|eu|us)\s)`;
const ZH_CUR = '(?:元|块钱|块)';
const ZH_PRICE_WORD = '(?:价格|价位|售价|预算)';

const amount = (group: string) => `(?<${group}>${NUM})`;
const money = (group: string) => `(?<${group}pre>${CUR_PREFIX})?${amount(group)}(?<${group}suf>${CUR_SUFFIX})?`;

function pattern(name: string, kind: Kind, source: string, needs: PricePattern['needs'] = 'nothing'): PricePattern {
  return { name, kind, regex: new RegExp(source, 'gu'), needs };
}

/** Most specific first: a range must win over the "under" inside "under 50 to 100". */
const PATTERNS: PricePattern[] = [
  pattern('en-range', 'range', `${LEFT}${NOT_AGE_OR_SIZE}(?<kw>between\\s+|from\\s+)?${money('a')}\\s*(?:-|~|to|and)\\s*${money('b')}${RIGHT}`, 'currency-or-keyword'),
  pattern('zh-range', 'range', `(?<kw>${ZH_PRICE_WORD}\\s?在?)?\\s?${LEFT}${money('a')}\\s?(?:到|至|-|~)\\s?${money('b')}(?:之间|以内)?`, 'currency-or-keyword'),
  pattern('en-max', 'max', `${LEFT}${NOT_AGE_OR_SIZE}(?:under|below|less than|cheaper than|up to|no more than|not more than|at most|max|maximum|within|lower than|beneath|<=?|≤)\\s*${money('a')}${NOT_MONEY}${RIGHT}`),
  pattern('en-max-postfix', 'max', `${LEFT}${money('a')}\\s+(?:or less|or under|or below|and under|and below|max)${RIGHT}`),
  pattern('en-min', 'min', `${LEFT}${NOT_AGE_OR_SIZE}(?:over|above|more than|at least|min|minimum|greater than|higher than|starting at|>=?|≥)\\s*${money('a')}${NOT_MONEY}${RIGHT}`),
  pattern('en-min-from', 'min', `${LEFT}from\\s+${money('a')}${RIGHT}`, 'currency'),
  pattern('en-min-postfix', 'min', `${LEFT}${money('a')}\\s*(?:or more|and up|and above|and over|\\+)(?![\\p{L}\\p{N}])`, 'currency'),
  pattern('en-around', 'around', `${LEFT}(?:around|about|approximately|approx|roughly|~)\\s*${money('a')}${RIGHT}`, 'currency'),
  pattern('zh-max-prefix', 'max', `${ZH_PRICE_WORD}?\\s?(?:低于|不超过|不高于|不到|少于|小于|最多|最高|控制在)\\s?${money('a')}${NOT_MONEY}(?:以下|以内|之内)?`),
  pattern('zh-max', 'max', `${ZH_PRICE_WORD}?\\s?${LEFT}${money('a')}\\s?(?:以下|以内|之内|内)`),
  pattern('zh-min-prefix', 'min', `${ZH_PRICE_WORD}?\\s?(?:高于|超过|大于|不低于|至少|最低)\\s?${money('a')}${NOT_MONEY}(?:以上)?`),
  pattern('zh-min', 'min', `${ZH_PRICE_WORD}?\\s?${LEFT}${money('a')}\\s?(?:以上|起)`),
  pattern('zh-around', 'around', `(?<kw>${ZH_PRICE_WORD})?\\s?${LEFT}(?<apre>${CUR_PREFIX})?${amount('a')}\\s?(?<asuf>${ZH_CUR})?\\s?左右`, 'currency-or-keyword'),
];

/**
 * Price constraints in English and Chinese: "under $50", "below 100", "50-100 dollars",
 * "between 20 and 30", "$50+", "around $80", "100元以下", "200到300元", "两百块以内",
 * "价格500左右". Several constraints combine (a minimum and a maximum); contradictory ones are
 * dropped rather than guessed at. Soft preferences ("cheap", "便宜") are not prices: they are
 * boosts, found by the dictionary matcher.
 */
export function extractPrice(normalized: string): PriceExtraction {
  const taken: Span[] = [];
  let min: number | undefined;
  let max: number | undefined;
  for (const { kind, regex, needs } of PATTERNS) {
    for (const match of normalized.matchAll(regex)) {
      const start = match.index + leadingSpace(match[0]);
      const span = { start, end: match.index + match[0].length };
      if (span.end <= span.start || taken.some((t) => t.start < span.end && span.start < t.end)) continue;
      const groups = match.groups ?? {};
      const currency = Boolean(groups['apre'] || groups['asuf'] || groups['bpre'] || groups['bsuf']);
      if (needs === 'currency' && !currency) continue;
      if (needs === 'currency-or-keyword' && !currency && !groups['kw']) continue;
      const a = parseAmount(groups['a']);
      const b = parseAmount(groups['b']);
      if (a === undefined) continue;
      if (kind === 'max') max = Math.min(max ?? Infinity, a);
      else if (kind === 'min') min = Math.max(min ?? -Infinity, a);
      else if (kind === 'range') {
        if (b === undefined) continue;
        const [low, high] = a <= b ? [a, b] : [b, a];
        min = Math.max(min ?? -Infinity, low);
        max = Math.min(max ?? Infinity, high);
      } else {
        min = Math.max(min ?? -Infinity, round2(a * (1 - AROUND_BAND)));
        max = Math.min(max ?? Infinity, round2(a * (1 + AROUND_BAND)));
      }
      taken.push(span);
    }
  }
  if (taken.length === 0) return { spans: [] };
  if (min !== undefined && max !== undefined && min > max) return { spans: [] }; // "under 20 over 50": say nothing
  const price: PriceConstraint = {};
  if (min !== undefined) price.min = min;
  if (max !== undefined) price.max = max;
  return { price, spans: taken.sort((x, y) => x.start - y.start) };
}

/** "1,299.5" → 1299.5; "2k" → 2000; "3千" → 3000; "两百" → 200; undefined when not a sane amount. */
export function parseAmount(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const compact = text.replace(/\s/g, '');
  let value: number | undefined;
  const arabic = /^(\d+(?:,\d{3})*(?:\.\d+)?)(k|千|万)?$/u.exec(compact);
  if (arabic) {
    const multiplier = arabic[2] === 'k' || arabic[2] === '千' ? 1_000 : arabic[2] === '万' ? 10_000 : 1;
    value = Number(arabic[1].replace(/,/g, '')) * multiplier;
  } else value = parseChineseNumeral(compact);
  return value !== undefined && Number.isFinite(value) && value >= 0 && value <= MAX_AMOUNT ? value : undefined;
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
