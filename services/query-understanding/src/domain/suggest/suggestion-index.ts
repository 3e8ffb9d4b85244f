import type { SuggestionPhrase } from './suggestion-phrases';

/** How a suggestion matched what was typed. */
export type SuggestionMatch = 'prefix' | 'infix' | 'pinyin' | 'initials' | 'corrected';

/** Romanisation of Chinese (a port: pinyin-pro in production, see infrastructure/). */
export interface PinyinReader {
  /** The toneless pinyin syllables of a text's Han characters, in order; other characters are left out. */
  syllables(text: string): string[];
}

export interface Suggestion {
  text: string;
  products: number;
  sources: SuggestionPhrase['sources'];
  match: SuggestionMatch;
  /** Edits between what was typed and the suggestion's beginning (0 unless match is "corrected"). */
  edits: number;
}

export interface SuggestionIndexOptions {
  pinyin: PinyinReader;
  /** Where the words of a phrase start (offsets into its text), for completions from inside it. */
  wordStarts(text: string): number[];
}

/** Penalties against a phrase's score, in the units of phraseScore (log products). */
const PENALTY: Record<Exclude<SuggestionMatch, 'corrected'>, number> = { prefix: 0, pinyin: 0, initials: 0.5, infix: 1 };
const PENALTY_PER_EDIT = 3;
const MATCHES: readonly SuggestionMatch[] = ['prefix', 'infix', 'pinyin', 'initials', 'corrected'];
const HAN = /\p{Script=Han}/u;
/**
 * The first character typed is taken as written, as Elasticsearch's fuzzy completion does
 * (prefix_length 1): shoppers rarely miss it, and allowing it to change would make every short
 * prefix a walk over most of the index.
 */
const EXACT_LEADING_CHARS = 1;
const LATIN_OR_SPACE = /^[a-z ]+$/;

/** Edits allowed in a typed prefix of n characters: none while it is short enough that one edit changes the word. */
export function allowedEdits(n: number): number {
  return n < 4 ? 0 : n < 8 ? 1 : 2;
}

/**
 * Completions of a typed prefix, best first, over a fixed set of phrases.
 *
 * Every phrase is reachable by several keys: its text, the words inside it ("shoes" finds
 * "running shoes"), and for Chinese its pinyin and pinyin initials ("lianyiqun", "lyq" →
 * 连衣裙). The keys are sorted, so the keys starting with a prefix are one contiguous range;
 * a sparse table of the best-scoring key over every power-of-two span answers "best in this
 * range" in O(1), and the top k of a range come out of a heap in O(k log k), however many keys
 * share the prefix ("s" matches half the catalog).
 *
 * A prefix with a typo is matched by walking the sorted keys as an implicit trie (the keys
 * sharing a path of length d are a range, split by their character at d) with a row of the
 * Damerau–Levenshtein table per step; a branch stops once every cell exceeds the allowed edits.
 * Each edit costs a penalty, so an exact completion outranks a corrected one of similar
 * popularity.
 */
export class SuggestionIndex {
  private readonly keys: string[];
  private readonly phraseOf: Int32Array;
  private readonly matchOf: Uint8Array;
  private readonly scores: Float64Array;
  /** best[j][i]: index of the highest score in keys[i, i + 2^j). */
  private readonly best: Int32Array[];

  constructor(
    private readonly phrases: readonly SuggestionPhrase[],
    options: SuggestionIndexOptions,
  ) {
    const entries: { key: string; phrase: number; match: SuggestionMatch }[] = [];
    phrases.forEach((phrase, i) => {
      const add = (key: string, match: SuggestionMatch) => key !== '' && entries.push({ key, phrase: i, match });
      add(phrase.text, 'prefix');
      for (const start of options.wordStarts(phrase.text)) if (start > 0) add(phrase.text.slice(start), 'infix');
      if (HAN.test(phrase.text)) {
        const syllables = options.pinyin.syllables(phrase.text);
        add(syllables.join(''), 'pinyin');
        if (syllables.length >= 2) add(syllables.map((s) => s[0]).join(''), 'initials');
      }
    });
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.phrase - b.phrase));
    this.keys = entries.map((e) => e.key);
    this.phraseOf = Int32Array.from(entries, (e) => e.phrase);
    this.matchOf = Uint8Array.from(entries, (e) => MATCHES.indexOf(e.match));
    this.scores = Float64Array.from(entries, (e) => phrases[e.phrase].score - PENALTY[e.match as Exclude<SuggestionMatch, 'corrected'>]);
    this.best = buildSparseTable(this.scores);
  }

  get size(): number {
    return this.phrases.length;
  }

  /**
   * Up to `limit` suggestions for a prefix in normal form (normalizeQuery), best first, each
   * phrase once. Pinyin may be typed with or without spaces ("lian yi" or "lianyi").
   */
  complete(prefix: string, limit: number): Suggestion[] {
    if (prefix === '' || limit <= 0 || this.keys.length === 0) return [];
    const ranges: Range[] = [];
    const exact = (p: string) => {
      const [lo, hi] = this.prefixRange(p);
      if (lo < hi) ranges.push({ lo, hi, edits: 0 });
    };
    exact(prefix);
    const joined = prefix.replace(/ /g, '');
    if (joined !== prefix && LATIN_OR_SPACE.test(prefix)) exact(joined);
    const edits = allowedEdits([...prefix].length);
    if (edits > 0) this.fuzzyRanges(prefix, edits, ranges);
    return this.topOf(ranges, limit);
  }

  /** [lo, hi) of the keys that start with p. */
  private prefixRange(p: string): [number, number] {
    return [lowerBound(this.keys, p), lowerBound(this.keys, p + '\uffff')];
  }

  private fuzzyRanges(prefix: string, maxEdits: number, out: Range[]): void {
    const m = prefix.length;
    // One row per depth of the walk: a depth's row is only read by the depths below it on the current path.
    const rows: Int32Array[] = [Int32Array.from({ length: m + 1 }, (_, k) => k)];
    /** `bound`: the most edits still worth recording on this path (fewer than any range recorded above). */
    const walk = (lo: number, hi: number, depth: number, previousChar: number, bound: number) => {
      const row = rows[depth];
      const previousRow = depth > 0 ? rows[depth - 1] : undefined;
      const next = (rows[depth + 1] ??= new Int32Array(m + 1));
      let i = lo;
      // Keys that end at this depth sort first within the range; they have no next character.
      while (i < hi && this.keys[i].length <= depth) i++;
      while (i < hi) {
        const c = this.keys[i].charCodeAt(depth);
        let a = i + 1;
        let b = hi;
        while (a < b) {
          const mid = (a + b) >>> 1;
          if (this.keys[mid].charCodeAt(depth) <= c) a = mid + 1;
          else b = mid;
        }
        if (depth < EXACT_LEADING_CHARS && c !== prefix.charCodeAt(depth)) {
          i = a;
          continue;
        }
        next[0] = depth + 1;
        let smallest = next[0];
        for (let k = 1; k <= m; k++) {
          const typed = prefix.charCodeAt(k - 1);
          let cell = Math.min(row[k] + 1, next[k - 1] + 1, row[k - 1] + (typed === c ? 0 : 1));
          if (previousRow && k > 1 && typed === previousChar && prefix.charCodeAt(k - 2) === c) cell = Math.min(cell, previousRow[k - 2] + 1);
          next[k] = cell;
          if (cell < smallest) smallest = cell;
        }
        let deeper = bound;
        if (next[m] <= bound) {
          // The whole prefix is spelled out within the allowed edits: every key below completes it.
          // Keys further down may match with fewer edits ("hedphon" is 2 edits from "headphon",
          // 1 from "headphones"), so the walk goes on for strictly better matches only.
          if (next[m] > 0) out.push({ lo: i, hi: a, edits: next[m] });
          deeper = next[m] - 1;
        }
        if (smallest <= deeper) walk(i, a, depth + 1, c, deeper);
        i = a;
      }
    };
    walk(0, this.keys.length, 0, -1, maxEdits);
  }

  /** The best `limit` distinct phrases over the ranges, each key scored less its range's edits. */
  private topOf(ranges: readonly Range[], limit: number): Suggestion[] {
    const heap = new MaxHeap<HeapItem>();
    const push = (lo: number, hi: number, edits: number) => {
      if (lo >= hi) return;
      const at = this.argmax(lo, hi);
      heap.push({ lo, hi, at, edits, value: this.scores[at] - edits * PENALTY_PER_EDIT });
    };
    for (const range of ranges) push(range.lo, range.hi, range.edits);
    const seen = new Map<number, Suggestion>();
    // Each pop yields one key; a phrase has few keys, so this bounds the work without cutting results short.
    let budget = limit * 16;
    while (seen.size < limit && budget-- > 0) {
      const top = heap.pop();
      if (!top) break;
      const phraseIndex = this.phraseOf[top.at];
      if (!seen.has(phraseIndex)) {
        const phrase = this.phrases[phraseIndex];
        const match = top.edits > 0 ? 'corrected' : MATCHES[this.matchOf[top.at]];
        seen.set(phraseIndex, { text: phrase.text, products: phrase.products, sources: phrase.sources, match, edits: top.edits });
      }
      push(top.lo, top.at, top.edits);
      push(top.at + 1, top.hi, top.edits);
    }
    return [...seen.values()];
  }

  private argmax(lo: number, hi: number): number {
    const level = 31 - Math.clz32(hi - lo);
    const left = this.best[level][lo];
    const right = this.best[level][hi - (1 << level)];
    return this.scores[right] > this.scores[left] ? right : left;
  }
}

interface Range {
  lo: number;
  hi: number;
  edits: number;
}

interface HeapItem extends Range {
  at: number;
  value: number;
}

function buildSparseTable(scores: Float64Array): Int32Array[] {
  const n = scores.length;
  const table = [Int32Array.from({ length: n }, (_, i) => i)];
  for (let span = 2; span <= n; span *= 2) {
    const below = table[table.length - 1];
    const half = span / 2;
    const level = new Int32Array(n - span + 1);
    for (let i = 0; i < level.length; i++) {
      const a = below[i];
      const b = below[i + half];
      level[i] = scores[b] > scores[a] ? b : a;
    }
    table.push(level);
  }
  return table;
}

function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class MaxHeap<T extends { value: number }> {
  private readonly items: T[] = [];

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent].value >= items[i].value) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop();
    if (last !== undefined && items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let largest = i;
        if (left < items.length && items[left].value > items[largest].value) largest = left;
        if (right < items.length && items[right].value > items[largest].value) largest = right;
        if (largest === i) break;
        [items[largest], items[i]] = [items[i], items[largest]];
        i = largest;
      }
    }
    return top;
  }
}
