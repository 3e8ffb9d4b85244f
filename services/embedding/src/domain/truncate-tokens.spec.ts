import { truncateTokens } from './truncate-tokens';

describe('truncateTokens', () => {
  const special = new Set([0, 2]);

  it('leaves a sequence within the limit as it is', () => {
    expect(truncateTokens([0, 5, 6, 2], 4, special)).toEqual([0, 5, 6, 2]);
  });

  it('cuts the content and keeps the closing special token last', () => {
    expect(truncateTokens([0, 5, 6, 7, 8, 2], 4, special)).toEqual([0, 5, 6, 2]);
  });

  it('cuts at the limit when the sequence does not end with a special token', () => {
    expect(truncateTokens([5, 6, 7, 8, 9], 3, special)).toEqual([5, 6, 7]);
  });
});
