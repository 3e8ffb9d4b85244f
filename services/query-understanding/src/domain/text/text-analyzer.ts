import { EnglishStemmer } from './english-stemmer';
import { normalizeQuery } from './normalize-query';

/**
 * Chinese word segmentation (a port: jieba in production, see infrastructure/). Kept out of the
 * analyzer so the domain states what it needs, not which library gives it.
 */
export interface ChineseSegmenter {
  /** The words of a run of Han characters, in order; they concatenate to the input. */
  cut(han: string): string[];
  /** Words the segmenter must keep whole from now on (catalog brands, attribute values...). */
  addWords(words: readonly string[]): void;
}

export type TokenKind = 'han' | 'word' | 'number';

/** A token of a normalised text, with its span in that text. */
export interface Token {
  /** The token as written (possessive "'s" dropped: "men's" → "men"). */
  text: string;
  /** What dictionaries match on: the Snowball stem of an English word, else the text. */
  key: string;
  kind: TokenKind;
  /** Span [start, end) in the normalised text. */
  start: number;
  end: number;
}

const HAN_RUN = /\p{Script=Han}+/gu;
const WORD = /[\p{L}\p{M}\p{N}]+(?:['\-./,][\p{L}\p{M}\p{N}]+)*/gu;
const NUMBER = /^\d+(?:[.,]\d+)*$/;
const STEMMABLE = /^[a-z][a-z-]*$/;
/** Units that join a preceding number into one token, so "500 ml" matches the catalog's "500ml". */
const UNITS = new Set(['ml', 'l', 'gb', 'tb', 'mb', 'kg', 'g', 'mm', 'cm', 'w', 'mah', 'v', 'hz', 'oz', 'lb', 'lbs', 'inch']);
/**
 * Jieba keeps "男鞋" (men's shoes) as one word. Splitting these few gender/kids + product
 * compounds lets "男" become a filter while "鞋" stays in the text to search.
 */
const COMPOUND_SPLITS: Record<string, [string, string]> = {
  男鞋: ['男', '鞋'], 女鞋: ['女', '鞋'], 童鞋: ['童', '鞋'],
  男装: ['男', '装'], 女装: ['女', '装'], 童装: ['童', '装'],
  男包: ['男', '包'], 女包: ['女', '包'],
  男表: ['男', '表'], 女表: ['女', '表'],
  男裤: ['男', '裤'], 女裤: ['女', '裤'],
  男靴: ['男', '靴'], 女靴: ['女', '靴'],
};

/**
 * Splits normalised text into tokens: Han runs through the Chinese segmenter, everything else
 * into words and numbers, so a mixed query ("耐克 air max 跑鞋") gets both. Catalog text goes
 * through the same analyzer as queries, which is what makes dictionary keys match.
 */
export class TextAnalyzer {
  private readonly knownSegmenterWords = new Set<string>();
  private segmenterVersion = 0;

  constructor(
    private readonly segmenter: ChineseSegmenter,
    private readonly stemmer: EnglishStemmer = new EnglishStemmer(),
  ) {}

  /** Changes whenever the segmenter learned new words (cached analyses are then stale). */
  get version(): number {
    return this.segmenterVersion;
  }

  tokenize(normalized: string): Token[] {
    const tokens: Token[] = [];
    let cursor = 0;
    for (const match of normalized.matchAll(HAN_RUN)) {
      this.words(normalized, cursor, match.index, tokens);
      this.hanWords(match[0], match.index, tokens);
      cursor = match.index + match[0].length;
    }
    this.words(normalized, cursor, normalized.length, tokens);
    return joinNumbersWithUnits(normalized, tokens);
  }

  /** The keys of a dictionary phrase (a brand, a value), analysed exactly like a query. */
  phraseKeys(phrase: string): string[] {
    return this.tokenize(normalizeQuery(phrase)).map((t) => t.key);
  }

  /**
   * The dictionary key of a word: accents and apostrophes folded away ("l'oréal" → "loreal")
   * and English words stemmed ("shoes" → "shoe"); anything else as written.
   */
  keyOf(word: string): string {
    const folded = word.normalize('NFD').replace(/\p{M}/gu, '').replace(/'/g, '');
    return STEMMABLE.test(folded) ? this.stemmer.stem(folded) : folded.normalize('NFC');
  }

  /** Teaches the segmenter multi-character Han words; returns whether any was new. */
  addSegmenterWords(words: Iterable<string>): boolean {
    const fresh: string[] = [];
    for (const word of words) {
      if (word.length >= 2 && /^\p{Script=Han}+$/u.test(word) && !this.knownSegmenterWords.has(word)) {
        this.knownSegmenterWords.add(word);
        fresh.push(word);
      }
    }
    if (fresh.length === 0) return false;
    this.segmenter.addWords(fresh);
    this.segmenterVersion++;
    return true;
  }

  private words(text: string, from: number, to: number, out: Token[]): void {
    if (to <= from) return;
    const segment = text.slice(from, to);
    for (const match of segment.matchAll(WORD)) {
      const raw = match[0];
      const written = raw.replace(/'s$/, '').replace(/'$/, '');
      const kind: TokenKind = NUMBER.test(written) ? 'number' : 'word';
      out.push({ text: written, key: kind === 'word' ? this.keyOf(written) : written, kind, start: from + match.index, end: from + match.index + raw.length });
    }
  }

  private hanWords(run: string, offset: number, out: Token[]): void {
    let words = this.segmenter.cut(run);
    // The segmenter must cover the run exactly; if it ever does not, fall back to characters
    // rather than emit spans that point at the wrong text.
    if (words.join('') !== run) words = Array.from(run);
    let position = offset;
    for (const word of words) {
      for (const part of COMPOUND_SPLITS[word] ?? [word]) {
        out.push({ text: part, key: part, kind: 'han', start: position, end: position + part.length });
        position += part.length;
      }
    }
  }
}

function joinNumbersWithUnits(text: string, tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const next = tokens[i + 1];
    if (token.kind === 'number' && next?.kind === 'word' && UNITS.has(next.text) && text.slice(token.end, next.start).trim() === '') {
      const joined = token.text + next.text;
      out.push({ text: joined, key: joined, kind: 'word', start: token.start, end: next.end });
      i++;
    } else out.push(token);
  }
  return out;
}
