import { JiebaSegmenter } from '../../infrastructure/jieba-segmenter';
import { normalizeQuery } from './normalize-query';
import { TextAnalyzer, type ChineseSegmenter } from './text-analyzer';

const analyzer = new TextAnalyzer(new JiebaSegmenter());
const tokens = (text: string) => analyzer.tokenize(normalizeQuery(text));

describe('TextAnalyzer', () => {
  it('segments Chinese, splits English words and keeps mixed queries in order', () => {
    expect(tokens('耐克 air max 跑鞋').map((t) => [t.text, t.kind])).toEqual([
      ['耐克', 'han'],
      ['air', 'word'],
      ['max', 'word'],
      ['跑鞋', 'han'],
    ]);
    expect(tokens('耐克air max跑鞋').map((t) => t.text)).toEqual(['耐克', 'air', 'max', '跑鞋']);
  });

  it('gives every token its exact span in the normalised text', () => {
    const text = normalizeQuery("Men's 红色连衣裙 under $50");
    expect(analyzer.tokenize(text).map((t) => text.slice(t.start, t.end))).toEqual(["men's", '红色', '连衣裙', 'under', '50']);
  });

  it('keys English words by their stem, with accents and apostrophes folded', () => {
    expect(tokens('running shoes').map((t) => t.key)).toEqual(['run', 'shoe']);
    expect(tokens("men's").map((t) => [t.text, t.key])).toEqual([['men', 'men']]);
    expect(analyzer.keyOf("l'oréal")).toBe(analyzer.keyOf('loreal'));
  });

  it('joins a number and its unit into one token, as catalogs write them', () => {
    expect(tokens('500 ml 保温杯').map((t) => t.text)).toEqual(['500ml', '保温杯']);
    expect(tokens('256 GB phone').map((t) => t.text)).toEqual(['256gb', 'phone']);
    expect(tokens('size 42 m').map((t) => t.text)).toEqual(['size', '42', 'm']);
  });

  it('splits gender + product compounds so the gender can become a filter', () => {
    expect(tokens('男鞋').map((t) => t.text)).toEqual(['男', '鞋']);
    expect(tokens('男孩').map((t) => t.text)).toEqual(['男孩']);
  });

  it('keeps words it was taught whole, and says when it learned something', () => {
    const local = new TextAnalyzer(new JiebaSegmenter());
    expect(local.tokenize('山野行者').length).toBeGreaterThan(1);
    expect(local.addSegmenterWords(['山野行者', 'x', '山'])).toBe(true);
    expect(local.tokenize('山野行者').map((t) => t.text)).toEqual(['山野行者']);
    expect(local.addSegmenterWords(['山野行者'])).toBe(false);
  });

  it('falls back to characters if a segmenter does not cover its input', () => {
    const broken: ChineseSegmenter = { cut: () => ['跑'], addWords: () => undefined };
    expect(new TextAnalyzer(broken).tokenize('跑鞋').map((t) => t.text)).toEqual(['跑', '鞋']);
  });
});
