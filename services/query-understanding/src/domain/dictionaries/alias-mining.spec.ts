import { mineCrossScriptAliases, type Label, type LabelledTitle } from './alias-mining';

const brand = (name: string): Label => ({ id: `brand:${name}`, kind: 'brand', script: 'latin' });
const category = (name: string): Label => ({ id: `category:${name}`, kind: 'category', script: 'latin' });
const attribute = (kv: string): Label => ({ id: `attribute:${kv}`, kind: 'attribute', script: 'latin' });
const title = (labels: Label[], han: string[], latin: string[] = []): LabelledTitle => ({ labels, hanWords: new Set(han), latinWords: new Set(latin) });
const repeat = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
const found = (titles: LabelledTitle[]) => mineCrossScriptAliases(titles).map((m) => `${m.labelId} ⇄ ${m.alias}`);

describe('mineCrossScriptAliases', () => {
  it("finds a brand's Chinese name and a colour's Chinese word", () => {
    const colour = (i: number) => (i % 2 === 0 ? (['color=black', '黑色'] as const) : (['color=white', '白色'] as const));
    const titles = [
      ...repeat(6, (i) => title([brand('nike'), attribute(colour(i)[0]), category('running shoes')], ['耐克', '跑鞋', colour(i)[1]])),
      ...repeat(6, (i) => title([brand('adidas'), attribute(colour(i)[0]), category('running shoes')], ['阿迪达斯', '跑鞋', colour(i)[1]])),
    ];
    expect(found(titles).filter((f) => !f.startsWith('category:'))).toEqual([
      'attribute:color=black ⇄ 黑色',
      'attribute:color=white ⇄ 白色',
      'brand:adidas ⇄ 阿迪达斯',
      'brand:nike ⇄ 耐克',
    ]);
  });

  it('never mines a word shared by two meanings ("苹果": the brand and the fruit)', () => {
    const titles = [
      ...repeat(4, () => title([brand('apple'), category('headphones')], ['苹果', '耳机'])),
      ...repeat(4, () => title([brand('greenhill'), category('apples')], ['苹果', '新鲜'])),
    ];
    expect(found(titles).filter((f) => f.endsWith('苹果'))).toEqual([]);
  });

  it('needs support: two titles are a coincidence', () => {
    expect(found(repeat(2, () => title([brand('nike')], ['耐克'])))).toEqual([]);
  });

  it('keeps the product word of a category away from the brand that dominates it', () => {
    // Only one brand sells basketballs, and every title says 篮球: a product word, not the brand.
    const titles = repeat(6, (i) => title([brand('hoopco'), category('basketballs')], ['篮球', i % 2 ? '室内' : '室外', '篮高']));
    const mined = found(titles);
    expect(mined).toContain('category:basketballs ⇄ 篮球');
    expect(mined).not.toContain('brand:hoopco ⇄ 篮球');
  });

  it('keeps a name whole when the segmenter cut it in pieces', () => {
    const titles = repeat(4, () => title([brand('greenhill farm')], ['青山', '农场', '青山农场', '牛奶']));
    const mined = found(titles).filter((f) => f.startsWith('brand:'));
    expect(mined).toContain('brand:greenhill farm ⇄ 青山农场');
    expect(mined).not.toContain('brand:greenhill farm ⇄ 青山');
  });

  it('never makes a known product word the alias of a brand, even when one brand alone uses it', () => {
    const titles = [...repeat(4, () => title([brand('apple'), category('headphones')], ['苹果', '耳机'])), ...repeat(4, () => title([brand('sony'), category('headphones')], ['索尼', '蓝牙耳机']))];
    expect(mineCrossScriptAliases(titles, new Set(['耳机'])).map((m) => `${m.labelId} ⇄ ${m.alias}`)).not.toContain('brand:apple ⇄ 耳机');
    expect(found(titles)).toContain('brand:apple ⇄ 耳机'); // what the guard prevents
  });

  it('never makes a brand name the alias of an attribute value only that brand has', () => {
    const titles = [...repeat(4, () => title([brand('sony'), attribute('connectivity=bluetooth')], ['索尼', '耳机'])), ...repeat(4, () => title([brand('voltra'), attribute('connectivity=wireless')], ['沃创', '鼠标']))];
    const mined = found(titles);
    expect(mined).toContain('brand:sony ⇄ 索尼');
    expect(mined).not.toContain('attribute:connectivity=bluetooth ⇄ 索尼');
  });

  it('mines Latin names of Chinese labels too', () => {
    const titles = repeat(4, () => title([{ id: 'brand:山野', kind: 'brand', script: 'han' }], [], ['shanye', 'jacket']));
    expect(found(titles)).toContain('brand:山野 ⇄ shanye');
  });
});
