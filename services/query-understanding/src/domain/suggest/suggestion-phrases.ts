import type { CatalogProduct } from '../catalog/catalog-snapshot';
import { isStopword } from '../text/stopwords';
import type { Token } from '../text/text-analyzer';

/** Where a suggestion comes from. A phrase found in several places keeps all of them. */
export type PhraseSource = 'category' | 'brand' | 'title';

/** A phrase a shopper may be typing, with how much of the catalog it finds. */
export interface SuggestionPhrase {
  /** What is suggested: the phrase in normal form (as normalizeQuery writes it). */
  text: string;
  /** Catalog products whose text holds the phrase (the catalog's own popularity of it). */
  products: number;
  sources: readonly PhraseSource[];
  /** How strongly to suggest it; higher first. See phraseScore. */
  score: number;
}

export interface PhraseExtraction {
  /** Normalises and tokenizes text exactly as queries are (TextAnalyzer over normalizeQuery). */
  tokenize(text: string): { normalized: string; tokens: Token[] };
  /** Longest title phrase, in words. */
  maxWords: number;
  /** A title phrase must appear in at least this many products (one product's wording is not a query). */
  minTitleProducts: number;
}

interface Tally {
  /** The key of the phrase one word shorter (its last word dropped); '' for one word. */
  parentKey: string;
  /** Key of the phrase's last word. */
  lastKey: string;
  /** Surface forms of the phrase, with how many products write it so. */
  forms: Map<string, number>;
  products: number;
  /** The product counted last: a product's text is read in one go, so this dedupes without a set per phrase. */
  lastProduct: string;
  sources: Set<PhraseSource>;
}

/** Where a title's wording breaks: punctuation that separates its parts ("Trail Running Shoes, Black"). */
const TITLE_BREAK = /[,;:|()[\]{}<>"!?。，；：、（）【】《》！？]|\s[-–—/+]\s/u;
/**
 * A title phrase of several words must end the way shoppers' queries end, on a word that
 * closes a part of a title now and then ("headphones", "gloves"), not on one that is nearly
 * always followed by another ("wireless", "stainless"): "battery life wireless" is a fragment,
 * "battery life" a query.
 */
const MIN_CLOSING_SHARE = 0.1;
/** A phrase that almost always continues the same way is suggested in its longer form. */
const CONTINUATION_SHARE = 0.8;

/**
 * The phrases worth suggesting, from the catalog alone: every brand, every category name on a
 * path, and the title phrases (1..maxWords consecutive words of one script, within one part of
 * the title) that several products share. Phrases are grouped by their token keys, so "running
 * shoe" and "running shoes" are one suggestion, written the way the catalog writes it most often.
 *
 * Products are added one at a time, so a caller can spread a large catalog over several turns of
 * the event loop; `phrases()` then scores what was counted.
 */
export class PhraseCounter {
  private readonly tallies = new Map<string, Tally>();
  /** Per word key: occurrences in titles, and how many of them close a part of the title. */
  private readonly closing = new Map<string, { seen: number; closes: number }>();

  constructor(private readonly options: PhraseExtraction) {}

  add(product: CatalogProduct): void {
    for (const [name, source] of [[product.brand, 'brand'] as const, ...product.categoryPath.map((c) => [c, 'category'] as const)]) {
      const { normalized, tokens } = this.options.tokenize(name);
      if (tokens.length > 0) this.countPhrases(tokens, normalized, product.id, source, true);
    }
    for (const part of product.title.split(TITLE_BREAK)) {
      const { normalized, tokens } = this.options.tokenize(part);
      for (const run of wordRuns(tokens)) {
        run.forEach((token, i) => {
          let stats = this.closing.get(token.key);
          if (!stats) this.closing.set(token.key, (stats = { seen: 0, closes: 0 }));
          stats.seen++;
          if (i === run.length - 1 || isStopword(run[i + 1].key)) stats.closes++;
        });
        this.countPhrases(run, normalized, product.id, 'title', false);
      }
    }
  }

  /**
   * The phrases counted so far, scored. Popularity alone would suggest "stainless" before
   * "stainless steel" (every product with the longer phrase has the shorter one): when one
   * continuation covers nearly all of a phrase's products, the phrase counts only what is left.
   */
  phrases(): SuggestionPhrase[] {
    const longestContinuation = new Map<string, number>();
    for (const tally of this.tallies.values()) {
      if (tally.parentKey !== '') longestContinuation.set(tally.parentKey, Math.max(longestContinuation.get(tally.parentKey) ?? 0, tally.products));
    }
    const phrases: SuggestionPhrase[] = [];
    for (const [key, tally] of this.tallies) {
      const named = tally.sources.has('brand') || tally.sources.has('category');
      let popularity = tally.products;
      if (!named) {
        if (tally.products < this.options.minTitleProducts) continue;
        const closes = this.closing.get(tally.lastKey);
        if (tally.parentKey !== '' && (!closes || closes.closes < MIN_CLOSING_SHARE * closes.seen)) continue;
        const continuation = longestContinuation.get(key) ?? 0;
        if (continuation >= CONTINUATION_SHARE * tally.products) popularity = Math.max(1, tally.products - continuation);
      }
      phrases.push({ text: mostFrequent(tally.forms), products: tally.products, sources: [...tally.sources], score: phraseScore(popularity, named) });
    }
    return phrases;
  }

  /**
   * Counts the phrases of a run of tokens: a name (`whole`) as one phrase; a title's run as every
   * span of 1..maxWords words that neither starts nor ends on a stopword and is not only numbers.
   * Keys grow word by word, so a span's key is its parent's plus one word.
   */
  private countPhrases(run: readonly Token[], normalized: string, productId: string, source: PhraseSource, whole: boolean): void {
    const han = run.every((t) => t.kind === 'han');
    for (let start = 0; start < (whole ? 1 : run.length); start++) {
      if (!whole && isStopword(run[start].key)) continue;
      let key = '';
      let hanForm = '';
      let numbersOnly = true;
      const last = whole ? run.length : Math.min(run.length, start + this.options.maxWords);
      for (let end = start; end < last; end++) {
        const token = run[end];
        const parentKey = key;
        key = end === start ? token.key : `${key} ${token.key}`;
        hanForm += token.text;
        numbersOnly &&= token.kind === 'number';
        if (whole ? end < last - 1 : isStopword(token.key) || numbersOnly) continue;
        this.count(key, parentKey, token.key, han ? hanForm : normalized.slice(run[start].start, token.end), productId, source);
      }
    }
  }

  private count(key: string, parentKey: string, lastKey: string, form: string, productId: string, source: PhraseSource): void {
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = { parentKey, lastKey, forms: new Map(), products: 0, lastProduct: '', sources: new Set() };
      this.tallies.set(key, tally);
    }
    if (tally.lastProduct !== productId) {
      tally.lastProduct = productId;
      tally.products++;
      tally.forms.set(form, (tally.forms.get(form) ?? 0) + 1);
    }
    tally.sources.add(source);
  }
}

/** log-popularity, with a bonus for names (a brand or a category is a whole query). */
function phraseScore(products: number, named: boolean): number {
  return Math.log1p(products) + (named ? 1 : 0);
}

/**
 * Runs of adjacent tokens a phrase may span: one script (Han, or Latin words and numbers), and
 * for Han no space between them ("跑鞋 黑色" are two parts of a title, not one phrase).
 */
function wordRuns(tokens: readonly Token[]): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  for (const token of tokens) {
    const previous = run[run.length - 1];
    if (previous && ((previous.kind === 'han') !== (token.kind === 'han') || (token.kind === 'han' && token.start !== previous.end))) {
      runs.push(run);
      run = [];
    }
    run.push(token);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function mostFrequent(forms: Map<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const [form, n] of forms) {
    if (n > bestCount || (n === bestCount && form < best)) {
      best = form;
      bestCount = n;
    }
  }
  return best;
}
