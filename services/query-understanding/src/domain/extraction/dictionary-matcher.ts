import type { PhraseIndex } from '../dictionaries/phrase-index';
import type { Meaning } from '../dictionaries/query-dictionaries';
import type { Token } from '../text/text-analyzer';

/** A dictionary phrase found in the query: tokens [start, end), plus the size cue it needed. */
export interface DictionaryMatch {
  start: number;
  end: number;
  meaning: Exclude<Meaning, { kind: 'size-cue' }>;
  /** Index of the "size"/"码" token that licensed a bare size, consumed with it. */
  cueToken?: number;
}

/** When one phrase has several meanings, the more explicit one wins. */
const PRIORITY: Record<Meaning['kind'], number> = { 'in-stock': 0, boost: 1, attribute: 2, brand: 3, 'size-cue': 4 };

/**
 * Finds dictionary phrases in the tokens, left to right, longest first, skipping tokens already
 * taken (by a price). A bare size ("42", "m") only counts next to a size cue: "size 42",
 * "42码", "尺码m"; "iphone 15" never sets a size.
 */
export function matchDictionary(tokens: readonly Token[], phrases: PhraseIndex<Meaning>, taken: readonly boolean[]): DictionaryMatch[] {
  const keys = tokens.map((t) => t.key);
  const matches: DictionaryMatch[] = [];
  const used = [...taken];
  for (let i = 0; i < tokens.length; i++) {
    if (used[i]) continue;
    const hit = phrases.longestAt(keys, i);
    if (!hit || used.slice(i, i + hit.length).some(Boolean)) continue;
    const end = i + hit.length;
    const match = [...hit.values]
      .sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind])
      .map((meaning) => accept(meaning, i, end))
      .find((m) => m !== undefined);
    if (!match) continue;
    matches.push(match);
    for (let j = match.start; j < match.end; j++) used[j] = true;
    if (match.cueToken !== undefined) used[match.cueToken] = true;
    i = end - 1;
  }
  return matches;

  function accept(meaning: Meaning, start: number, end: number): DictionaryMatch | undefined {
    if (meaning.kind === 'size-cue') return undefined;
    if (meaning.kind !== 'attribute' || !meaning.needsCue) return { start, end, meaning };
    const cue = sizeCueAround(start, end);
    return cue === undefined ? undefined : { start, end, meaning, cueToken: cue };
  }

  function sizeCueAround(start: number, end: number): number | undefined {
    const isCue = (index: number, position: 'before' | 'after') =>
      index >= 0 && index < tokens.length && !used[index] && phrases.get([keys[index]]).some((m) => m.kind === 'size-cue' && m.position === position);
    if (isCue(start - 1, 'before')) return start - 1;
    if (isCue(end, 'after')) return end;
    return undefined;
  }
}
