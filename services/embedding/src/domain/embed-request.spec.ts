import { AppError } from '@shopsense/errors';
import { validateEmbedTexts } from './embed-request';

const limits = { maxTexts: 3, maxTextChars: 10 };

function violations(texts: string[]): string[] {
  try {
    validateEmbedTexts(texts, limits);
    return [];
  } catch (error) {
    return (error as AppError).fieldViolations.map((v) => `${v.field}: ${v.description}`);
  }
}

describe('validateEmbedTexts', () => {
  it('accepts texts within the limits', () => {
    expect(violations(['shoes', '跑鞋'])).toEqual([]);
  });

  it('names each problem', () => {
    expect(violations([])).toEqual(['texts: must contain at least one text']);
    expect(violations(['a', 'b', 'c', 'd'])).toEqual(['texts: must contain at most 3 texts (got 4)']);
    expect(violations(['ok', ' ', 'x'.repeat(11)])).toEqual(['texts[1]: must not be empty', 'texts[2]: must be at most 10 characters (got 11)']);
  });

  it('takes U+FFFD, a valid character (invalid bytes fail to decode before this)', () => {
    expect(violations(['Caf\uFFFD mug'])).toEqual([]);
  });
});
