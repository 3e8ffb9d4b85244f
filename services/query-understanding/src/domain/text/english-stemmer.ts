// snowball-stemmers ships no type declarations.
const snowball = require('snowball-stemmers') as { newStemmer(language: string): { stem(word: string): string } };

/**
 * Snowball (Porter 2) English stemming with a bounded memo: the stemmer allocates on every call
 * (~15 µs), while queries and titles reuse a small vocabulary.
 */
export class EnglishStemmer {
  private readonly stemmer = snowball.newStemmer('english');
  private readonly memo = new Map<string, string>();

  constructor(private readonly maxMemo = 200_000) {}

  stem(word: string): string {
    let stem = this.memo.get(word);
    if (stem === undefined) {
      stem = this.stemmer.stem(word);
      if (this.memo.size >= this.maxMemo) this.memo.clear();
      this.memo.set(word, stem);
    }
    return stem;
  }
}
