import { normalizeQuery, queryDigest } from './query-normalization';

describe('query normalisation', () => {
  it.each([
    ['  Red   Running-Shoes! ', 'red running shoes'],
    ['ＲＥＤ shoes', 'red shoes'],
    ['蓝牙 耳机', '蓝牙 耳机'],
    ['café', 'café'],
    ['?!', ''],
    ['gift for alice.smith@example.com', 'gift for email'],
    ['call +1 (555) 123-4567 now', 'call number now'],
    ['card 4111 1111 1111 1111', 'card number'],
    ['sku 12345678 iphone 15', 'sku 12345678 iphone 15'],
  ])('%j → %j', (raw, normal) => expect(normalizeQuery(raw)).toBe(normal));

  it('digests the normal form, never storing its text', () => {
    expect(queryDigest(normalizeQuery('Red Shoes'))).toBe(queryDigest('red shoes'));
    expect(queryDigest('red shoes')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(queryDigest('red shoes')).not.toBe(queryDigest('blue shoes'));
  });
});
