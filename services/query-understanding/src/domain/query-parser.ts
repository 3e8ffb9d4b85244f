import { filterScopeKey, type QueryDictionaries } from './dictionaries/query-dictionaries';
import { decompound } from './extraction/decompound';
import { matchDictionary, type DictionaryMatch } from './extraction/dictionary-matcher';
import { extractPrice, type PriceConstraint, type Span } from './extraction/price-extractor';
import { joinKept, keptTokens } from './extraction/residual-text';
import { correctSpelling, type TokenCorrection } from './spelling/spelling-corrector';
import { detectLanguage, type QueryLanguage } from './text/language';
import { normalizeQuery } from './text/normalize-query';
import type { TextAnalyzer, Token } from './text/text-analyzer';

export type CorrectionMode = 'none' | 'suggested' | 'applied';

export interface QueryFilters {
  /** Brand names as the catalog spells them (any of them may match). */
  brands: string[];
  price?: PriceConstraint;
  /** Attribute name → value as the catalog spells it. */
  attributes: Record<string, string>;
  inStock?: boolean;
}

export interface QueryBoost {
  field: string;
  value: string;
  weight: number;
}

export interface ParsedQueryResult {
  language: QueryLanguage;
  original: string;
  normalized: string;
  /** Tokens of the text that was parsed: the corrected query when the correction was applied. */
  tokens: string[];
  correction: { mode: CorrectionMode; correctedQuery: string };
  synonyms: { term: string; synonyms: string[] }[];
  filters: QueryFilters;
  boosts: QueryBoost[];
  residualText: string;
  /**
   * Category paths named by the query's head: the product word ("跑鞋", "headphones") that ends
   * the words left once prices, brands and values are taken out ("露澜面霜" → 面霜; "3d printer
   * nozzle" names none, since "3d printer" only qualifies the nozzle). Sorted.
   */
  namedCategories: string[];
}

/** ParsedQuery's Filters allow at most 20 brands and 20 attributes. */
const MAX_BRANDS = 20;
const MAX_ATTRIBUTES = 20;
const MAX_SYNONYMS_PER_TERM = 10;
/** Weight of a boost that stands in for a filter we would not risk (an ambiguous brand, two colours). */
const FALLBACK_BOOST_WEIGHT = 0.5;

/**
 * The query pipeline, pure and synchronous: normalise → detect the language → tokenise →
 * correct spelling (applied or suggested) → extract the price → match dictionary phrases
 * (brands, attributes, cues) → residual text and synonym expansions. Never throws on any
 * string (a property test holds it to that); the length limit is checked by the caller.
 */
export class QueryParser {
  constructor(
    private readonly analyzer: TextAnalyzer,
    private readonly dictionaries: QueryDictionaries,
  ) {}

  get dictionaryVersion(): number {
    return this.dictionaries.version;
  }

  parse(original: string, localeHint = ''): ParsedQueryResult {
    const normalized = normalizeQuery(original);
    const language = detectLanguage(normalized, localeHint);
    const originalTokens = this.analyzer.tokenize(normalized);

    const corrections = correctSpelling(originalTokens, this.dictionaries.spelling);
    const correctedQuery = corrections.length > 0 ? applyCorrections(normalized, originalTokens, corrections) : '';
    const mode: CorrectionMode = corrections.length === 0 ? 'none' : corrections.every((c) => c.confident) ? 'applied' : 'suggested';
    const text = mode === 'applied' ? correctedQuery : normalized;
    const tokens = this.decompound(mode === 'applied' ? this.analyzer.tokenize(text) : originalTokens);

    const price = extractPrice(text);
    const inPrice = tokens.map((t) => price.spans.some((s) => overlaps(t, s)));
    const { matches, named, head } = this.resolveMatches(tokens, inPrice);
    const satisfiable = (scope: string) => named.size === 0 || this.fits(scope, named);
    const { filters, boosts, removed } = assemble(matches, inPrice, satisfiable);
    if (price.price) filters.price = price.price;

    const kept = keptTokens(tokens, removed);
    return {
      language,
      original,
      normalized,
      tokens: tokens.map((t) => t.text),
      correction: { mode, correctedQuery },
      synonyms: this.expand(text, tokens, kept),
      filters,
      boosts,
      residualText: joinKept(text, tokens, kept),
      namedCategories: [...head].sort(),
    };
  }

  /**
   * The dictionary phrases that count, and the categories the query names:
   * - a word inside a longer category name is part of the product's name, not a filter ("green"
   *   in "green tea", "leather" in "leather shoes", "3d" in "3d printer");
   * - an ambiguous brand word ("apple": the brand, and the fruit) is only the brand when the rest
   *   of the query names a category the brand sells ("apple smartwatch"); otherwise it is an
   *   ordinary word, which may name a category itself ("fresh apples");
   * - category words are read from what is not a price, a brand or a value.
   */
  private resolveMatches(tokens: readonly Token[], inPrice: readonly boolean[]): { matches: DictionaryMatch[]; named: Set<string>; head: Set<string> } {
    const names = this.categoryNameSpans(tokens, inPrice);
    const found = matchDictionary(tokens, this.dictionaries.phrases, inPrice).filter(
      (m) => !names.some((n) => n.start <= m.start && m.end <= n.end && n.end - n.start > m.end - m.start),
    );
    const namedBy = (kept: readonly DictionaryMatch[]) => {
      const taken = [...inPrice];
      for (const m of kept) for (let i = m.start; i < m.end; i++) taken[i] = true;
      return this.namedCategories(tokens, taken);
    };
    const others = namedBy(found);
    const matches = found.filter((m) => m.meaning.kind !== 'brand' || m.meaning.specific || m.meaning.brands.some((brand) => this.fits(filterScopeKey({ kind: 'brand', brand }), others.named)));
    const { named, head } = matches.length === found.length ? others : namedBy(matches);
    return { matches, named, head };
  }

  /** Whether some product satisfying the filter is in one of these categories. */
  private fits(scope: string, named: ReadonlySet<string>): boolean {
    for (const path of this.dictionaries.filterScopes.get(scope) ?? []) if (named.has(path)) return true;
    return false;
  }

  /** Greedy longest category names in the tokens (prices skipped). */
  private categoryNameSpans(tokens: readonly Token[], inPrice: readonly boolean[]): { start: number; end: number }[] {
    const spans: { start: number; end: number }[] = [];
    const keys = tokens.map((t) => t.key);
    for (let i = 0; i < tokens.length; i++) {
      if (inPrice[i]) continue;
      const hit = this.dictionaries.categoryNames.longestAt(keys, i);
      if (!hit) continue;
      spans.push({ start: i, end: i + hit.length });
      i += hit.length - 1;
    }
    return spans;
  }

  /** "蓝牙耳机" → "蓝牙" + "耳机": a filter word glued to a product word (see decompound). */
  private decompound(tokens: Token[]): Token[] {
    const { phrases, categoryWords, synonyms } = this.dictionaries;
    return decompound(
      tokens,
      (word) => phrases.get([word]).some((m) => m.kind === 'attribute' || m.kind === 'brand'),
      (word) => categoryWords.get([word]).length > 0 || synonyms.get([word]).length > 0,
    );
  }

  /**
   * Category paths the query names by a product word ("跑鞋", "headphones"), and those named by
   * the word that ends the free tokens (the head: see ParsedQueryResult.namedCategories).
   */
  private namedCategories(tokens: readonly Token[], taken: readonly boolean[]): { named: Set<string>; head: Set<string> } {
    const named = new Set<string>();
    let head: readonly string[] = [];
    let lastFree = -1;
    for (let i = 0; i < tokens.length; i++) if (!taken[i]) lastFree = i;
    const keys = tokens.map((t) => t.key);
    let end = 0; // end of the run of free tokens containing i
    for (let i = 0; i < tokens.length; i++) {
      if (taken[i]) continue;
      if (end <= i) for (end = i; end < tokens.length && !taken[end]; ) end++;
      const hit = this.dictionaries.categoryWords.longestAt(keys, i, end);
      if (!hit) continue;
      for (const path of hit.values) named.add(path);
      if (i + hit.length - 1 === lastFree) head = hit.values;
      i += hit.length - 1;
    }
    return { named, head: new Set(head) };
  }

  /** Synonyms of the kept phrases, longest first, never across a removed token. */
  private expand(text: string, tokens: readonly Token[], kept: readonly boolean[]): ParsedQueryResult['synonyms'] {
    const out: ParsedQueryResult['synonyms'] = [];
    const keys = tokens.map((t) => t.key);
    let end = 0; // end of the run of kept tokens containing i
    for (let i = 0; i < tokens.length; i++) {
      if (!kept[i]) continue;
      if (end <= i) for (end = i; end < tokens.length && kept[end]; ) end++;
      const hit = this.dictionaries.synonyms.longestAt(keys, i, end);
      if (!hit) continue;
      const term = text.slice(tokens[i].start, tokens[i + hit.length - 1].end);
      const synonyms = [...new Set(hit.values.flat())].filter((s) => s !== term).slice(0, MAX_SYNONYMS_PER_TERM);
      if (synonyms.length > 0 && !out.some((e) => e.term === term)) out.push({ term, synonyms });
      i += hit.length - 1;
    }
    return out;
  }
}

interface Assembled {
  filters: QueryFilters;
  boosts: QueryBoost[];
  /** Tokens that became a filter or a preference: not part of the residual text. */
  removed: boolean[];
}

/**
 * Turns dictionary matches into filters and boosts. What would be a risky filter becomes a
 * boost and keeps its words in the text to search: a brand word that is also an ordinary word
 * ("apple"), and an attribute asked for with two values ("black and white shoes"). A brand or
 * value that no product of the category the query names has ("wireless headphones" when only
 * the mice are "wireless"; "nike yoga mat" without Nike yoga mats) is neither: as a filter it
 * could only return nothing, as a boost it would pull in other products, so its words simply
 * stay in the text to search.
 */
function assemble(matches: readonly DictionaryMatch[], inPrice: readonly boolean[], satisfiable: (scope: string) => boolean): Assembled {
  const filters: QueryFilters = { brands: [], attributes: {} };
  const boosts = new Map<string, QueryBoost>();
  const removed = [...inPrice];
  const boost = (field: string, value: string, weight: number) => {
    const key = `${field}\u0000${value.toLowerCase()}`;
    const current = boosts.get(key);
    if (!current || current.weight < weight) boosts.set(key, { field, value, weight });
  };
  const remove = (match: DictionaryMatch) => {
    for (let i = match.start; i < match.end; i++) removed[i] = true;
    if (match.cueToken !== undefined) removed[match.cueToken] = true;
  };

  const attributeMatches = new Map<string, DictionaryMatch[]>();
  for (const match of matches) {
    const { meaning } = match;
    if (meaning.kind === 'boost') {
      boost(meaning.field, meaning.value, meaning.weight);
      remove(match);
    } else if (meaning.kind === 'in-stock') {
      filters.inStock = true;
      remove(match);
    } else if (meaning.kind === 'brand') {
      const possible = meaning.brands.filter((brand) => satisfiable(filterScopeKey({ kind: 'brand', brand })));
      if (possible.length === 0) continue;
      if (meaning.specific) {
        for (const brand of possible) if (!filters.brands.some((b) => b.toLowerCase() === brand.toLowerCase())) filters.brands.push(brand);
        remove(match);
      } else for (const brand of possible) boost('brand', brand, FALLBACK_BOOST_WEIGHT);
    } else {
      attributeMatches.set(meaning.key, [...(attributeMatches.get(meaning.key) ?? []), match]);
    }
  }
  filters.brands = filters.brands.slice(0, MAX_BRANDS);

  for (const [key, found] of attributeMatches) {
    const values = [...new Set(found.map((m) => (m.meaning as { value: string }).value))].filter((value) => satisfiable(filterScopeKey({ kind: 'attribute', key, value })));
    if (values.length === 1 && Object.keys(filters.attributes).length < MAX_ATTRIBUTES) {
      filters.attributes[key] = values[0];
      for (const match of found) if ((match.meaning as { value: string }).value === values[0]) remove(match);
    } else for (const value of values) boost(`attributes.${key}`, value, FALLBACK_BOOST_WEIGHT);
  }
  return { filters, boosts: [...boosts.values()], removed };
}

function overlaps(token: Token, span: Span): boolean {
  return token.start < span.end && span.start < token.end;
}

/** The normalised text with each corrected token replaced by its correction. */
function applyCorrections(normalized: string, tokens: readonly Token[], corrections: readonly TokenCorrection[]): string {
  let out = '';
  let cursor = 0;
  for (const correction of corrections) {
    const token = tokens[correction.tokenIndex];
    out += normalized.slice(cursor, token.start) + correction.to;
    cursor = token.end;
  }
  return out + normalized.slice(cursor);
}
