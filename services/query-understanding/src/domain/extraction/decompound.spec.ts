import type { Token } from '../text/text-analyzer';
import { decompound } from './decompound';

const han = (text: string, start = 0): Token => ({ text, key: text, kind: 'han', start, end: start + text.length });
const filters = new Set(['蓝牙', '不锈钢', '无线耳机']);
const products = new Set(['耳机', '保温杯', '机']);
const split = (...tokens: Token[]) => decompound(tokens, (w) => filters.has(w), (w) => products.has(w)).map((t) => [t.text, t.start, t.end]);

describe('decompound', () => {
  it('splits a filter word off a product word, keeping spans exact', () => {
    expect(split(han('蓝牙耳机', 3))).toEqual([
      ['蓝牙', 3, 5],
      ['耳机', 5, 7],
    ]);
    expect(split(han('不锈钢保温杯'))).toEqual([
      ['不锈钢', 0, 3],
      ['保温杯', 3, 6],
    ]);
  });

  it('leaves alone words that are filter phrases themselves, or not filter + product', () => {
    expect(split(han('无线耳机'))).toEqual([['无线耳机', 0, 4]]);
    expect(split(han('降噪耳机'))).toEqual([['降噪耳机', 0, 4]]);
    expect(split(han('耳机'))).toEqual([['耳机', 0, 2]]);
  });
});
