import type { Token } from '../text/text-analyzer';
import { SymmetricDeleteIndex } from './symmetric-delete-index';

/**
 * What the corrector knows: the catalog's words with their frequencies (the candidates), and
 * every word it must never change (catalog words, brands, attribute values, synonyms, function
 * words and filter cues), by surface form and by stem, so "shoe" is known because "shoes" is.
 */
export class SpellingVocabulary {
  readonly index = new SymmetricDeleteIndex({ maxDistance: 2, prefixLength: 7 });
  private readonly knownWords = new Set<string>();
  private readonly knownKeys = new Set<string>();

  /** A catalog word: a correction candidate, and known. */
  addWord(word: string, key: string, frequency: number): void {
    this.index.add(word, frequency);
    this.knownWords.add(word);
    this.knownKeys.add(key);
  }

  /** A word that is never corrected but never suggested either (e.g. "under", "cheap"). */
  protect(word: string, key: string): void {
    this.knownWords.add(word);
    this.knownKeys.add(key);
  }

  isKnown(token: Pick<Token, 'text' | 'key'>): boolean {
    return this.knownWords.has(token.text) || this.knownKeys.has(token.key);
  }
}

export interface TokenCorrection {
  /** Index of the corrected token in the query's tokens. */
  tokenIndex: number;
  from: string;
  /** The replacement; two words for a run-together pair ("runningshoes" → "running shoes"). */
  to: string;
  /** Whether the correction is safe to apply without asking (see `correctSpelling`). */
  confident: boolean;
}

const CORRECTABLE = /^[a-z]+$/;
/** Shorter words have too many one-edit neighbours ("air": "hair", "fair", "aid") to correct. */
const MIN_LENGTH = 4;
/** Halves of a run-together pair ("runningshoes") are at least this long. */
const MIN_PART = 3;

/**
 * Spelling correction of English words against the catalog's vocabulary. A word is only looked
 * at when it is unknown: catalog words, brands and attribute values are never "corrected",
 * however rare. Chinese, numbers and model codes ("m3", "3d", "iphone15") are left alone.
 *
 * Confidence decides between applying and suggesting:
 * Words of fewer than 4 letters are left alone.
 * - one edit away, the same first letter (first letters are rarely
 *   mistyped, and this keeps real words the catalog lacks, like "hiking", from turning into
 *   "biking"), and the candidate clearly ahead of any other one-edit candidate (3× as frequent);
 * - two edits away only for 7+ letters with a single candidate;
 * - a run-together pair of known words ("runningshoes").
 * Anything else is a suggestion ("did you mean").
 */
export function correctSpelling(tokens: readonly Token[], vocabulary: SpellingVocabulary): TokenCorrection[] {
  const corrections: TokenCorrection[] = [];
  tokens.forEach((token, tokenIndex) => {
    if (token.kind !== 'word' || token.text.length < MIN_LENGTH || !CORRECTABLE.test(token.text) || vocabulary.isKnown(token)) return;
    const word = token.text;
    const maxDistance = word.length <= 5 ? 1 : 2;
    const [best, runnerUp] = vocabulary.index.lookup(word, maxDistance);
    if (best) {
      const clearlyAhead = !runnerUp || runnerUp.distance > best.distance || best.frequency >= 3 * runnerUp.frequency;
      const sameStart = best.word[0] === word[0];
      const confident =
        sameStart &&
        clearlyAhead &&
        (best.distance === 1 || (best.distance === 2 && word.length >= 7 && (!runnerUp || runnerUp.distance > 2)));
      corrections.push({ tokenIndex, from: word, to: best.word, confident });
      return;
    }
    const split = splitRunTogether(word, vocabulary.index);
    if (split) corrections.push({ tokenIndex, from: word, to: split, confident: true });
  });
  return corrections;
}

/** "runningshoes" → "running shoes" when both halves are catalog words (3+ letters each). */
function splitRunTogether(word: string, index: SymmetricDeleteIndex): string | undefined {
  let best: { text: string; score: number } | undefined;
  for (let i = MIN_PART; i <= word.length - MIN_PART; i++) {
    const score = Math.min(index.frequency(word.slice(0, i)), index.frequency(word.slice(i)));
    if (score > 0 && (!best || score > best.score)) best = { text: `${word.slice(0, i)} ${word.slice(i)}`, score };
  }
  return best?.text;
}
