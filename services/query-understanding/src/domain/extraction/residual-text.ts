import { isStopword } from '../text/stopwords';
import type { Token } from '../text/text-analyzer';

/**
 * Which tokens stay for retrieval once the extracted ones are removed: a function word left
 * dangling next to a removed phrase goes too ("shoes for [men]" → "shoes", "[100元以下]的耳机"
 * → "耳机"), repeatedly, so "shoes for the [men]" loses both.
 */
export function keptTokens(tokens: readonly Token[], removed: readonly boolean[]): boolean[] {
  const gone = [...removed];
  for (let changed = true; changed; ) {
    changed = false;
    tokens.forEach((token, i) => {
      if (gone[i] || !isStopword(token.text)) return;
      if (gone[i - 1] === true || gone[i + 1] === true) {
        gone[i] = true;
        changed = true;
      }
    });
  }
  return gone.map((g) => !g);
}

/**
 * The kept tokens as text, with their original separators where they were neighbours and a
 * space where something was removed between them.
 */
export function joinKept(normalized: string, tokens: readonly Token[], kept: readonly boolean[]): string {
  let out = '';
  let previous: number | undefined;
  tokens.forEach((token, i) => {
    if (!kept[i]) return;
    if (previous !== undefined) out += previous === i - 1 ? normalized.slice(tokens[previous].end, token.start) : ' ';
    out += normalized.slice(token.start, token.end);
    previous = i;
  });
  return out.replace(/\s+/g, ' ').trim();
}
