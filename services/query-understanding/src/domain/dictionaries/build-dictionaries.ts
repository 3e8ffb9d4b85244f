import type { CatalogProduct } from '../catalog/catalog-snapshot';
import { SpellingVocabulary } from '../spelling/spelling-corrector';
import { expansionsOf, type SynonymRule } from '../synonyms/synonym-rules';
import { normalizeField, normalizeQuery } from '../text/normalize-query';
import { CHINESE_STOPWORDS, ENGLISH_STOPWORDS, isStopword } from '../text/stopwords';
import type { TextAnalyzer, Token } from '../text/text-analyzer';
import { mineCrossScriptAliases, type Label, type LabelledTitle, type MinedAlias, type Script } from './alias-mining';
import { translationRules, type TranslationEntry } from './translations';
import { ATTRIBUTE_VALUE_ALIASES, BOOST_CUES, BRAND_DESIGNATORS, IN_STOCK_CUES, NON_BRANDS, SIZE_CUES_AFTER, SIZE_CUES_BEFORE, SIZE_KEYS } from './lexicon';
import { PhraseIndex } from './phrase-index';
import { filterScopeKey, type Meaning, type QueryDictionaries } from './query-dictionaries';

export interface DictionarySources {
  products: Iterable<CatalogProduct>;
  synonymRules: readonly SynonymRule[];
  /** A Chinese–English dictionary: its words become translations where the catalog uses the English (translations.ts). */
  translations?: readonly TranslationEntry[];
  version: number;
}

/** An attribute with more distinct values than this is free text (a model name), not a facet. */
const MAX_VALUES_PER_ATTRIBUTE = 200;
const MAX_VALUE_CHARS = 40;
/** Filters carry at most 256 characters per string; longer "brands" are data errors anyway. */
const MAX_BRAND_CHARS = 100;
const MAX_ATTRIBUTE_KEY_CHARS = 64;
/**
 * A brand word becomes a hard filter when at least this share of the catalog titles that contain
 * it belong to the brand; or when at least half do and (nearly) all the others are in categories
 * the brand sells in (resellers and accessories naming it: "tape for 3M dispensers"). Otherwise
 * it is also an ordinary word ("apple" the fruit), and filtering on it would hide what the
 * shopper meant: it is only a boost.
 */
const BRAND_SPECIFICITY_FOR_FILTER = 0.8;
const BRAND_SHARE_WITH_RESELLERS = 0.5;
const SAME_CATEGORY_SHARE = 0.8;
/** "Same category" compares paths cut to this depth (a leaf is too narrow: duct tape vs double-sided tape). */
const CATEGORY_DEPTH = 3;
/** A sub-brand sells in one of its family head's departments (paths cut to this depth). */
const FAMILY_DEPTH = 2;
const UNIT_WORDS = ['ml', 'l', 'gb', 'tb', 'mb', 'kg', 'g', 'mm', 'cm', 'w', 'mah', 'v', 'hz', 'oz', 'lb', 'lbs', 'inch', 'usd', 'rmb', 'cny', 'bucks', 'yuan'];

interface Counted {
  display: Map<string, number>;
  count: number;
}

const EMPTY: Counted = { display: new Map(), count: 0 };

/**
 * Builds the query dictionaries from the catalog, the synonym rules and the built-in lexicon:
 * brands, attribute values (with their aliases in both languages), cross-language aliases
 * mined from bilingual titles, synonyms, and the spelling vocabulary. Pure apart from teaching
 * the segmenter the catalog's words; title analyses are cached per product version, so a
 * rebuild after a few changes re-analyses only those products.
 */
export class DictionaryBuilder {
  private analyses = new WeakMap<CatalogProduct, Token[]>();
  private analysesForSegmenter = -1;
  /**
   * The keys of the words of translations' English renderings, kept between builds: English
   * words are keyed by the stemmer alone (what the segmenter learns is Chinese), and analysing
   * the dictionary's 120,000 renderings whole took seconds on a busy machine; they hold about
   * 30,000 distinct words.
   */
  private readonly renderingWordKeys = new Map<string, readonly string[]>();
  private phraseKeys = new Map<string, string[]>();
  private phraseKeysForSegmenter = -1;

  constructor(private readonly analyzer: TextAnalyzer) {}

  build(sources: DictionarySources): QueryDictionaries {
    const products = [...sources.products];
    const brands = countBrands(products);
    const attributes = countAttributes(products);
    const categories = countCategories(products);

    this.analyzer.addSegmenterWords([
      ...brands.keys(),
      ...[...attributes.values()].flatMap((values) => [...values.keys()].flatMap((v) => [v, ...(ATTRIBUTE_VALUE_ALIASES[v] ?? [])])),
      ...[...categories.keys()].flatMap((path) => path.split('/')),
      ...sources.synonymRules.flatMap((r) => (r.kind === 'equivalent' ? r.phrases : [...r.from, ...r.to])),
      ...BOOST_CUES.map((c) => c.phrase),
      ...IN_STOCK_CUES,
      ...SIZE_CUES_BEFORE,
    ]);
    const titles = products.map((product) => ({ product, tokens: this.analyze(product) }));

    // Aliases mined for categories only guard the others (they are product words, not names of
    // the category: "缓震" says running shoes without meaning "running shoes"), so only brand and
    // attribute aliases become synonyms.
    const productWords = new Set([...sources.synonymRules.flatMap((r) => (r.kind === 'equivalent' ? r.phrases : [...r.from, ...r.to])), ...[...categories.keys()].flatMap((p) => p.split('/').map(normalizeQuery))]);
    const minedAll = mineCrossScriptAliases(
      titles.map(({ product, tokens }) => labelledTitle(product, tokens)),
      productWords,
    );
    const mined = minedAll.filter((m) => !m.labelId.startsWith('category:'));
    const minedRules: SynonymRule[] = mined.map((m) => ({ kind: 'equivalent', phrases: [labelText(m.labelId), m.alias] }));
    const expansions = expansionsOf([...sources.synonymRules, ...minedRules]);
    const catalogWords = new Set(titles.flatMap(({ tokens }) => tokens.filter((t) => t.kind === 'word').map((t) => t.key)));
    // Translations only for words nothing above explains, so they add entries and change none.
    const translated = translationRules(sources.translations ?? [], (phrase) => this.keysOfRendering(phrase), catalogWords, new Set(expansions.keys()));
    for (const [phrase, targets] of expansionsOf(translated)) expansions.set(phrase, targets);
    const minedFor = new Map<string, string[]>();
    for (const m of mined) minedFor.set(m.labelId, [...(minedFor.get(m.labelId) ?? []), m.alias]);

    const phrases = new PhraseIndex<Meaning>();
    const brandCount = this.addBrands(phrases, brands, expansions, titles);
    const { keys: attributeKeys, values: attributeValues } = this.addAttributes(phrases, attributes, minedFor);
    this.addLexicon(phrases, [...attributes.keys()].some((k) => SIZE_KEYS.has(k)));

    const synonyms = new PhraseIndex<readonly string[]>();
    for (const [phrase, targets] of expansions) synonyms.add(this.keys(phrase), [...targets].sort());

    const spelling = this.spellingVocabulary(titles, brands, attributes, categories, expansions);
    const categoryNames = this.categoryWords(categories, expansions, []);
    const categoryWords = this.categoryWords(categories, expansions, minedAll.filter((m) => m.labelId.startsWith('category:')));

    return {
      version: sources.version,
      phrases,
      synonyms,
      spelling,
      categoryWords,
      categoryNames,
      filterScopes: filterScopes(products, brands, attributes),
      stats: {
        products: products.length,
        brands: brandCount,
        attributeKeys,
        attributeValues,
        categories: categories.size,
        synonymPhrases: synonyms.size,
        minedAliases: mined.length,
        translations: translated.length,
        vocabulary: spelling.index.size,
      },
      minedAliases: mined.map((m) => `${m.labelId} ⇄ ${m.alias}`),
    };
  }

  /**
   * The analyzer's keys of a phrase, kept while the segmenter learns nothing new: a rebuild keys
   * tens of thousands of synonym and translation phrases, most of them the same as last time.
   */
  private keys(phrase: string): string[] {
    if (this.phraseKeysForSegmenter !== this.analyzer.version) {
      this.phraseKeys = new Map();
      this.phraseKeysForSegmenter = this.analyzer.version;
    }
    let keys = this.phraseKeys.get(phrase);
    if (!keys) this.phraseKeys.set(phrase, (keys = this.analyzer.phraseKeys(phrase)));
    return keys;
  }

  private keysOfRendering(phrase: string): readonly string[] {
    // A number may join the unit after it ("250 ml"): such a phrase is analysed whole.
    if (/\d/.test(phrase)) return this.analyzer.phraseKeys(phrase);
    return phrase.split(' ').flatMap((word) => {
      let keys = this.renderingWordKeys.get(word);
      if (!keys) this.renderingWordKeys.set(word, (keys = this.analyzer.phraseKeys(word)));
      return keys;
    });
  }

  private analyze(product: CatalogProduct): Token[] {
    if (this.analysesForSegmenter !== this.analyzer.version) {
      // The segmenter learned words since these were cut: cut again.
      this.analyses = new WeakMap();
      this.analysesForSegmenter = this.analyzer.version;
    }
    let tokens = this.analyses.get(product);
    if (!tokens) {
      tokens = this.analyzer.tokenize(normalizeQuery(product.title));
      this.analyses.set(product, tokens);
    }
    return tokens;
  }

  /**
   * Brand names and their aliases, each a filter or, when it is also an ordinary word, a boost.
   * A surface stands for every brand of its family: "3m" is 3M, "3M Littmann" and "3M Dual
   * Lock"; "hillman" is "Hillman" and "The Hillman Group".
   */
  private addBrands(phrases: PhraseIndex<Meaning>, brands: Map<string, Counted>, expansions: Map<string, Set<string>>, titles: { product: CatalogProduct; tokens: Token[] }[]): number {
    const brandsBySurface = new Map<string, Set<string>>();
    const addSurface = (surface: string, brand: string) => {
      let set = brandsBySurface.get(surface);
      if (!set) brandsBySurface.set(surface, (set = new Set()));
      set.add(brand);
    };
    for (const [name, counted] of brands) {
      const display = displayForm(counted);
      addSurface(name, display);
      const short = withoutDesignators(name);
      if (short !== name) addSurface(short, display);
      for (const alias of expansions.get(name) ?? []) addSurface(alias, display);
    }

    // Which kinds of products each brand sells: to tell a reseller mentioning "3M" from the fruit
    // "apple", and a brand's sub-brand ("Gorilla Glue") from a stranger that shares its first
    // word ("Gorilla Carts").
    const brandOf = (product: CatalogProduct) => {
      const counted = brands.get(normalizeField(product.brand));
      return counted ? displayForm(counted) : undefined;
    };
    const sells = (depth: number) => {
      const out = new Map<string, Set<string>>();
      for (const { product } of titles) {
        const brand = brandOf(product);
        if (!brand || product.categoryPath.length === 0) continue;
        let set = out.get(brand);
        if (!set) out.set(brand, (set = new Set()));
        set.add(product.categoryPath.slice(0, depth).join('/'));
      }
      return out;
    };
    const departments = sells(FAMILY_DEPTH);
    const categoriesOf = sells(CATEGORY_DEPTH);
    // Only brands sharing a first word can be family ("3m" and "3m littmann"): compare within those groups.
    const byFirstWord = new Map<string, string[]>();
    for (const name of brands.keys()) {
      const first = name.split(' ')[0] ?? name;
      byFirstWord.set(first, [...(byFirstWord.get(first) ?? []), name]);
    }
    for (const group of byFirstWord.values()) {
      for (const family of group) {
        for (const member of group) {
          if (!member.startsWith(`${family} `)) continue;
          const [head, sub] = [displayForm(brands.get(family) ?? EMPTY), displayForm(brands.get(member) ?? EMPTY)];
          if ([...(departments.get(sub) ?? [])].some((d) => departments.get(head)?.has(d))) addSurface(family, sub);
        }
      }
    }

    // How specific each surface is: of the titles containing it, how many are its brands' own,
    // and how many are at least in a category its brands sell in.
    const index = new PhraseIndex<string>();
    for (const surface of brandsBySurface.keys()) index.add(this.keys(surface), surface);
    const seen = new Map<string, { containing: number; own: number; sameCategory: number }>();
    for (const { product, tokens } of titles) {
      const keys = tokens.map((t) => t.key);
      const found = new Set<string>();
      for (let i = 0; i < keys.length; i++) {
        const hit = index.longestAt(keys, i);
        if (!hit) continue;
        for (const surface of hit.values) found.add(surface);
        i += hit.length - 1;
      }
      const brand = brandOf(product);
      const path = product.categoryPath.slice(0, CATEGORY_DEPTH).join('/');
      for (const surface of found) {
        const members = brandsBySurface.get(surface) ?? new Set<string>();
        const stat = seen.get(surface) ?? { containing: 0, own: 0, sameCategory: 0 };
        stat.containing++;
        if (brand && members.has(brand)) stat.own++;
        if ([...members].some((m) => categoriesOf.get(m)?.has(path))) stat.sameCategory++;
        seen.set(surface, stat);
      }
    }
    for (const [surface, members] of brandsBySurface) {
      const stat = seen.get(surface);
      const specific =
        !stat ||
        stat.own / stat.containing >= BRAND_SPECIFICITY_FOR_FILTER ||
        (stat.own / stat.containing >= BRAND_SHARE_WITH_RESELLERS && stat.sameCategory / stat.containing >= SAME_CATEGORY_SHARE);
      phrases.add(this.keys(surface), { kind: 'brand', brands: [...members].sort(), specific });
    }
    return brands.size;
  }

  /** Attribute values of facet-like attributes, with the lexicon's and the mined aliases. */
  private addAttributes(phrases: PhraseIndex<Meaning>, attributes: Map<string, Map<string, Counted>>, minedFor: Map<string, string[]>): { keys: number; values: number } {
    // One surface can name values of several attributes; the most common value wins.
    const best = new Map<string, { meaning: Meaning & { kind: 'attribute' }; count: number }>();
    const offer = (surface: string, meaning: Meaning & { kind: 'attribute' }, count: number) => {
      const current = best.get(surface);
      if (!current || count > current.count) best.set(surface, { meaning, count });
    };
    let keys = 0;
    let values = 0;
    for (const [key, counted] of attributes) {
      if (counted.size > MAX_VALUES_PER_ATTRIBUTE) continue;
      keys++;
      for (const [value, stat] of counted) {
        const needsCue = value.length <= 1 || /^\d+(?:\.\d+)?$/.test(value);
        if (value.length > MAX_VALUE_CHARS || (needsCue && !SIZE_KEYS.has(key))) continue;
        values++;
        const display = displayForm(stat);
        offer(value, { kind: 'attribute', key, value: display, needsCue }, stat.count);
        for (const alias of [...(ATTRIBUTE_VALUE_ALIASES[value] ?? []), ...(minedFor.get(attributeLabelId(key, value)) ?? [])]) {
          offer(normalizeQuery(alias), { kind: 'attribute', key, value: display, needsCue: false }, stat.count);
        }
      }
    }
    for (const [surface, { meaning }] of best) phrases.add(this.keys(surface), meaning);
    return { keys, values };
  }

  private addLexicon(phrases: PhraseIndex<Meaning>, catalogHasSizes: boolean): void {
    for (const cue of BOOST_CUES) phrases.add(this.keys(cue.phrase), { kind: 'boost', field: cue.field, value: cue.value, weight: cue.weight });
    for (const cue of IN_STOCK_CUES) phrases.add(this.keys(cue), { kind: 'in-stock' });
    if (!catalogHasSizes) return;
    for (const cue of SIZE_CUES_BEFORE) phrases.add(this.keys(cue), { kind: 'size-cue', position: 'before' });
    for (const cue of SIZE_CUES_AFTER) phrases.add(this.keys(cue), { kind: 'size-cue', position: 'after' });
  }

  /** Every category segment's name, its synonyms and its mined product words → the paths they name. */
  private categoryWords(categories: Map<string, number>, expansions: Map<string, Set<string>>, minedForCategories: readonly MinedAlias[]): PhraseIndex<string> {
    const paths = new Map<string, Set<string>>();
    const name = (phrase: string, path: string) => {
      let set = paths.get(phrase);
      if (!set) paths.set(phrase, (set = new Set()));
      set.add(path);
    };
    // Synonyms by key, so the segment "Speakers" finds the rule written for "speaker".
    const expansionsByKey = new Map<string, Set<string>>();
    for (const [phrase, targets] of expansions) {
      const key = this.keys(phrase).join(' ');
      expansionsByKey.set(key, new Set([...(expansionsByKey.get(key) ?? []), ...targets]));
    }
    for (const path of categories.keys()) {
      for (const segment of path.split('/')) {
        const phrase = normalizeQuery(segment);
        name(phrase, path);
        for (const synonym of expansionsByKey.get(this.keys(phrase).join(' ')) ?? []) name(synonym, path);
        for (const m of minedForCategories) if (labelText(m.labelId) === phrase) name(m.alias, path);
      }
    }
    const index = new PhraseIndex<string>();
    for (const [phrase, named] of paths) for (const path of named) index.add(this.keys(phrase), path);
    return index;
  }

  /** Catalog words are correction candidates; function words, cues and units are only protected. */
  private spellingVocabulary(
    titles: { tokens: Token[] }[],
    brands: Map<string, Counted>,
    attributes: Map<string, Map<string, Counted>>,
    categories: Map<string, number>,
    expansions: Map<string, Set<string>>,
  ): SpellingVocabulary {
    const vocabulary = new SpellingVocabulary();
    const addText = (text: string, frequency: number) => {
      for (const token of this.analyzer.tokenize(normalizeQuery(text))) if (isVocabularyWord(token)) vocabulary.addWord(token.text, token.key, frequency);
    };
    for (const { tokens } of titles) {
      for (const token of tokens) {
        if (!isVocabularyWord(token)) continue;
        vocabulary.addWord(token.text, token.key, 1);
        // The parts of "anti-dandruff" are words too: "anti" must not become "anta".
        if (token.text.includes('-')) for (const part of token.text.split('-')) if (part.length >= 2) vocabulary.addWord(part, this.analyzer.keyOf(part), 1);
      }
    }
    for (const [name, counted] of brands) addText(name, counted.count);
    for (const values of attributes.values()) for (const [value, stat] of values) addText(value, stat.count);
    for (const [path, count] of categories) addText(path.split('/').join(' '), count);
    for (const phrase of expansions.keys()) addText(phrase, 1);
    const protect = (text: string) => {
      for (const token of this.analyzer.tokenize(normalizeQuery(text))) vocabulary.protect(token.text, token.key);
    };
    [...ENGLISH_STOPWORDS, ...CHINESE_STOPWORDS, ...UNIT_WORDS, ...BOOST_CUES.map((c) => c.phrase), ...IN_STOCK_CUES, ...SIZE_CUES_BEFORE].forEach(protect);
    Object.values(ATTRIBUTE_VALUE_ALIASES).flat().forEach(protect);
    return vocabulary;
  }
}

function isVocabularyWord(token: Token): boolean {
  return token.kind === 'word' && token.text.length >= 2 && /^[a-z][a-z'-]*$/.test(token.text);
}

function count(map: Map<string, Counted>, key: string, raw: string): void {
  let counted = map.get(key);
  if (!counted) map.set(key, (counted = { display: new Map(), count: 0 }));
  counted.count++;
  counted.display.set(raw, (counted.display.get(raw) ?? 0) + 1);
}

/** The catalog's most common spelling ("Nike" over "NIKE"); ties go to the first in code-point order. */
function displayForm(counted: Counted): string {
  let best = '';
  let bestCount = -1;
  for (const [raw, n] of counted.display) if (n > bestCount || (n === bestCount && raw < best)) [best, bestCount] = [raw, n];
  return best;
}

/** "velcro brand" → "velcro", "the hillman group" → "hillman"; unchanged when too little would be left. */
function withoutDesignators(name: string): string {
  const words = name.split(' ');
  if (words[0] === 'the') words.shift();
  while (words.length > 1 && BRAND_DESIGNATORS.has((words.at(-1) ?? '').replace(/[.,]/g, ''))) words.pop();
  const short = words.join(' ');
  return short.length >= 3 && !isStopword(short) ? short : name;
}

function countBrands(products: readonly CatalogProduct[]): Map<string, Counted> {
  const brands = new Map<string, Counted>();
  for (const product of products) {
    const name = normalizeField(product.brand);
    // Too short, only digits, or "no brand": never a brand filter.
    if (name.length < 2 || name.length > MAX_BRAND_CHARS || /^[\d\s.,-]+$/.test(name) || NON_BRANDS.has(name)) continue;
    count(brands, name, product.brand.trim());
  }
  return brands;
}

function countAttributes(products: readonly CatalogProduct[]): Map<string, Map<string, Counted>> {
  const attributes = new Map<string, Map<string, Counted>>();
  for (const product of products) {
    for (const [rawKey, rawValue] of Object.entries(product.attributes)) {
      const key = rawKey.trim().toLowerCase();
      const value = normalizeField(rawValue);
      if (key === '' || key.length > MAX_ATTRIBUTE_KEY_CHARS || value === '') continue;
      let values = attributes.get(key);
      if (!values) attributes.set(key, (values = new Map()));
      count(values, value, rawValue.trim());
    }
  }
  return attributes;
}

/** Category paths "A/B/C" → number of products filed there. */
function countCategories(products: readonly CatalogProduct[]): Map<string, number> {
  const categories = new Map<string, number>();
  for (const product of products) {
    if (product.categoryPath.length === 0) continue;
    const path = product.categoryPath.map((s) => s.trim()).join('/');
    categories.set(path, (categories.get(path) ?? 0) + 1);
  }
  return categories;
}

/** For every possible brand and attribute filter, the category paths of the products that satisfy it. */
function filterScopes(products: readonly CatalogProduct[], brands: Map<string, Counted>, attributes: Map<string, Map<string, Counted>>): Map<string, Set<string>> {
  const scopes = new Map<string, Set<string>>();
  const add = (key: string, path: string) => {
    let set = scopes.get(key);
    if (!set) scopes.set(key, (set = new Set()));
    set.add(path);
  };
  for (const product of products) {
    if (product.categoryPath.length === 0) continue;
    const path = product.categoryPath.map((s) => s.trim()).join('/');
    const brand = brands.get(normalizeField(product.brand));
    if (brand) add(filterScopeKey({ kind: 'brand', brand: displayForm(brand) }), path);
    for (const [rawKey, rawValue] of Object.entries(product.attributes)) {
      const key = rawKey.trim().toLowerCase();
      const value = attributes.get(key)?.get(normalizeField(rawValue));
      if (value) add(filterScopeKey({ kind: 'attribute', key, value: displayForm(value) }), path);
    }
  }
  return scopes;
}

function scriptOf(text: string): Script | undefined {
  if (/\p{Script=Latin}/u.test(text)) return 'latin';
  if (/\p{Script=Han}/u.test(text)) return 'han';
  return undefined;
}

const attributeLabelId = (key: string, value: string) => `attribute:${key}=${value}`;
/** The text a label stands for (the part after "kind:" and, for attributes, "key="). */
const labelText = (labelId: string) => labelId.slice(labelId.indexOf(':') + 1).replace(/^[^=]*=/, '');

function labelledTitle(product: CatalogProduct, tokens: readonly Token[]): LabelledTitle {
  const labels: Label[] = [];
  const push = (id: string, kind: Label['kind'], text: string) => {
    const script = scriptOf(text);
    if (script) labels.push({ id, kind, script });
  };
  const brand = normalizeField(product.brand);
  if (brand) push(`brand:${brand}`, 'brand', brand);
  for (const [key, raw] of Object.entries(product.attributes)) {
    const value = normalizeField(raw);
    if (value) push(attributeLabelId(key.trim().toLowerCase(), value), 'attribute', value);
  }
  const leaf = product.categoryPath.at(-1);
  if (leaf) push(`category:${normalizeField(leaf)}`, 'category', normalizeField(leaf));
  return {
    labels,
    hanWords: hanWordsAndRuns(tokens),
    latinWords: new Set(tokens.filter((t) => t.kind === 'word' && /^[a-z'-]+$/.test(t.text)).map((t) => t.text)),
  };
}

/** Han words, and runs of two or three adjacent Han words (a name the segmenter cut in pieces). */
function hanWordsAndRuns(tokens: readonly Token[]): Set<string> {
  const out = new Set<string>();
  tokens.forEach((token, i) => {
    if (token.kind !== 'han') return;
    out.add(token.text);
    let run = token.text;
    for (let j = i + 1; j < Math.min(i + 3, tokens.length); j++) {
      const next = tokens[j];
      if (next.kind !== 'han' || next.start !== tokens[j - 1].end) break;
      run += next.text;
      out.add(run);
    }
  });
  return out;
}
