import { isStopword } from '../text/stopwords';

export type LabelKind = 'brand' | 'attribute' | 'category';
export type Script = 'han' | 'latin';

/** Something a product is labelled with: its brand, an attribute value, its category. */
export interface Label {
  /** Unique per label, e.g. "brand:nike", "attribute:color=black", "category:running shoes". */
  id: string;
  kind: LabelKind;
  script: Script;
}

/** One title, with the labels of its product and its words by script. */
export interface LabelledTitle {
  labels: readonly Label[];
  hanWords: ReadonlySet<string>;
  latinWords: ReadonlySet<string>;
}

export interface MinedAlias {
  labelId: string;
  kind: LabelKind;
  alias: string;
  /** Titles with both the label and the alias. */
  support: number;
  /** P(label | title has the alias). */
  confidence: number;
  /** P(alias | label, title has words of the alias's script). */
  coverage: number;
}

interface Thresholds {
  minSupport: number;
  minConfidence: number;
  minCoverage: Record<LabelKind, number>;
}

/**
 * Brands must be named in (nearly) every title of theirs in that script; a category has several
 * product nouns ("蓝牙耳机", "头戴式耳机"), each covering only part of its titles.
 */
const DEFAULT_THRESHOLDS: Thresholds = { minSupport: 3, minConfidence: 0.8, minCoverage: { brand: 0.7, attribute: 0.5, category: 0.2 } };

/**
 * Mines cross-language aliases from bilingual catalogs: a Chinese word that (nearly) only
 * appears in titles of products labelled "Nike" and appears in most of Nike's Chinese titles is
 * Nike's Chinese name ("耐克"); likewise "黑色" for color=black and "跑鞋" for the category
 * "Running Shoes". Association, not translation: it finds what this catalog's titles actually
 * say, and a word shared by two meanings ("苹果": the brand and the fruit) is never confident
 * enough to be mined.
 *
 * Han candidates include runs of two or three adjacent words, since the segmenter may cut a
 * name it does not know ("青山农场" → "青山" + "农场"); the whole is kept, not its pieces.
 */
export function mineCrossScriptAliases(titles: readonly LabelledTitle[], knownProductWords: ReadonlySet<string> = new Set(), thresholds: Thresholds = DEFAULT_THRESHOLDS): MinedAlias[] {
  const wordCount = new Map<string, number>();
  const labelCount = new Map<string, number>(); // by label id + script of the words counted against it
  const pairCount = new Map<string, number>();
  const labels = new Map<string, Label>();
  const key = (labelId: string, word: string) => `${labelId}\u0000${word}`;

  for (const title of titles) {
    for (const word of [...title.hanWords, ...title.latinWords]) wordCount.set(word, (wordCount.get(word) ?? 0) + 1);
    for (const label of title.labels) {
      labels.set(label.id, label);
      const words = label.script === 'latin' ? title.hanWords : title.latinWords;
      if (words.size === 0) continue;
      labelCount.set(label.id, (labelCount.get(label.id) ?? 0) + 1);
      for (const word of words) if (isAliasCandidate(word)) pairCount.set(key(label.id, word), (pairCount.get(key(label.id, word)) ?? 0) + 1);
    }
  }

  const mined: MinedAlias[] = [];
  for (const [pair, support] of pairCount) {
    if (support < thresholds.minSupport) continue;
    const [labelId, alias] = pair.split('\u0000') as [string, string];
    const label = labels.get(labelId);
    const confidence = support / (wordCount.get(alias) ?? support);
    const coverage = support / (labelCount.get(labelId) ?? support);
    if (label && confidence >= thresholds.minConfidence && coverage >= thresholds.minCoverage[label.kind]) mined.push({ labelId, alias, kind: label.kind, support, confidence, coverage });
  }
  return dropNamesOfOthers(dropShadowed(dropContained(mined), knownProductWords)).sort((a, b) => compare(a.labelId, b.labelId) || compare(a.alias, b.alias));
}

/** A brand's name is not an attribute value, even when only that brand has the value. */
function dropNamesOfOthers(mined: MinedAlias[]): MinedAlias[] {
  const brandNames = new Set(mined.filter((m) => m.kind === 'brand').map((m) => m.alias));
  return mined.filter((m) => m.kind !== 'attribute' || !brandNames.has(m.alias));
}

/**
 * A word mined for a category is a product word ("跑鞋" for Running Shoes). It may also look
 * like the alias of a brand that dominates the category, or of an attribute value every product
 * of the category shares (all running shoes are mesh): it is only kept as such when it covers
 * that label clearly better than it covers the category (a brand's name is in all its titles).
 * Known product words (synonyms, category names) are never a brand's or a value's alias: "耳机"
 * stays "headphones" even in a catalog where only one brand's titles say it.
 */
function dropShadowed(mined: MinedAlias[], knownProductWords: ReadonlySet<string>): MinedAlias[] {
  const categoryCoverage = new Map<string, number>();
  for (const word of knownProductWords) categoryCoverage.set(word, 1);
  for (const m of mined) if (m.kind === 'category') categoryCoverage.set(m.alias, Math.max(categoryCoverage.get(m.alias) ?? 0, m.coverage));
  return mined.filter((m) => {
    if (m.kind === 'category') return true;
    const shadow = categoryCoverage.get(m.alias);
    return shadow === undefined || m.coverage >= shadow + PRODUCT_WORD_MARGIN;
  });
}

const PRODUCT_WORD_MARGIN = 0.2;

/** "青山" and "农场" are pieces of "青山农场" when the whole has (nearly) their support: keep the whole. */
function dropContained(mined: MinedAlias[]): MinedAlias[] {
  return mined.filter(
    (m) => !mined.some((other) => other !== m && other.labelId === m.labelId && other.alias.length > m.alias.length && other.alias.includes(m.alias) && other.support >= 0.9 * m.support),
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isAliasCandidate(word: string): boolean {
  if (isStopword(word) || /\d/.test(word)) return false;
  return /^\p{Script=Han}+$/u.test(word) ? word.length >= 2 : /^[a-z][a-z'-]{2,}$/.test(word);
}
