import { editDistance } from './edit-distance';

export interface SpellingCandidate {
  word: string;
  distance: number;
  frequency: number;
}

export interface SymmetricDeleteOptions {
  maxDistance: number;
  /**
   * Only the first `prefixLength` characters generate deletes (as in SymSpell): typos are
   * found as well, with an index many times smaller, because candidates are verified with the
   * full edit distance anyway.
   */
  prefixLength: number;
}

/**
 * Symmetric delete spelling index (Wolf Garbe's SymSpell idea): every word is stored under each
 * string obtained by deleting up to `maxDistance` characters of its prefix; a query word's own
 * deletes then meet its candidates in a handful of map lookups, instead of scanning the whole
 * vocabulary. Words can be added at any time (the catalog grows between rebuilds).
 */
export class SymmetricDeleteIndex {
  private readonly deletes = new Map<string, string[]>();
  private readonly frequencies = new Map<string, number>();

  constructor(private readonly options: SymmetricDeleteOptions = { maxDistance: 2, prefixLength: 7 }) {}

  get size(): number {
    return this.frequencies.size;
  }

  add(word: string, frequency: number): void {
    const known = this.frequencies.get(word);
    this.frequencies.set(word, (known ?? 0) + frequency);
    if (known !== undefined) return;
    for (const variant of deleteVariants(word.slice(0, this.options.prefixLength), this.options.maxDistance)) {
      const bucket = this.deletes.get(variant);
      if (bucket) bucket.push(word);
      else this.deletes.set(variant, [word]);
    }
  }

  frequency(word: string): number {
    return this.frequencies.get(word) ?? 0;
  }

  /** Vocabulary words within `maxDistance` edits of `word` (itself excluded), nearest then most frequent first. */
  lookup(word: string, maxDistance = this.options.maxDistance): SpellingCandidate[] {
    const limit = Math.min(maxDistance, this.options.maxDistance);
    const seen = new Set<string>();
    const found: SpellingCandidate[] = [];
    for (const variant of deleteVariants(word.slice(0, this.options.prefixLength), limit)) {
      for (const candidate of this.deletes.get(variant) ?? []) {
        if (candidate === word || seen.has(candidate)) continue;
        seen.add(candidate);
        const distance = editDistance(word, candidate, limit);
        if (distance <= limit) found.push({ word: candidate, distance, frequency: this.frequency(candidate) });
      }
    }
    return found.sort((a, b) => a.distance - b.distance || b.frequency - a.frequency || (a.word < b.word ? -1 : 1));
  }
}

/** The word and every string made by deleting up to `depth` of its characters. */
function deleteVariants(word: string, depth: number): Set<string> {
  const out = new Set<string>([word]);
  let frontier = [word];
  for (let d = 0; d < depth; d++) {
    const next: string[] = [];
    for (const w of frontier) {
      for (let i = 0; i < w.length; i++) {
        const variant = w.slice(0, i) + w.slice(i + 1);
        if (!out.has(variant)) {
          out.add(variant);
          next.push(variant);
        }
      }
    }
    frontier = next;
  }
  return out;
}
