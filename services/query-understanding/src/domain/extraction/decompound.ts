import type { Token } from '../text/text-analyzer';

/**
 * Splits a Chinese word that the segmenter keeps whole but which is a filter word followed by a
 * product word: "蓝牙耳机" → "蓝牙" + "耳机", "不锈钢保温杯" → "不锈钢" + "保温杯". The filter
 * ("bluetooth") can then be extracted while the product word stays in the text to search. The
 * longest filter word wins; a word that is itself a filter phrase is left whole.
 */
export function decompound(tokens: readonly Token[], isFilterWord: (word: string) => boolean, isProductWord: (word: string) => boolean): Token[] {
  const out: Token[] = [];
  for (const token of tokens) {
    const split = token.kind === 'han' && token.text.length >= 3 && !isFilterWord(token.text) ? splitPoint(token.text, isFilterWord, isProductWord) : undefined;
    if (split === undefined) {
      out.push(token);
      continue;
    }
    const [head, tail] = [token.text.slice(0, split), token.text.slice(split)];
    out.push({ text: head, key: head, kind: 'han', start: token.start, end: token.start + split });
    out.push({ text: tail, key: tail, kind: 'han', start: token.start + split, end: token.end });
  }
  return out;
}

function splitPoint(word: string, isFilterWord: (word: string) => boolean, isProductWord: (word: string) => boolean): number | undefined {
  for (let split = word.length - 1; split >= 2; split--) {
    if (isFilterWord(word.slice(0, split)) && isProductWord(word.slice(split))) return split;
  }
  return undefined;
}
