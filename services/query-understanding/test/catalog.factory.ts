import type { CatalogProduct } from '../src/domain/catalog/catalog-snapshot';
import { DictionaryBuilder } from '../src/domain/dictionaries/build-dictionaries';
import type { QueryDictionaries } from '../src/domain/dictionaries/query-dictionaries';
import { QueryParser } from '../src/domain/query-parser';
import { DEFAULT_SYNONYMS } from '../src/domain/synonyms/default-synonyms';
import { parseSynonyms, type SynonymRule } from '../src/domain/synonyms/synonym-rules';
import { TextAnalyzer } from '../src/domain/text/text-analyzer';
import { JiebaSegmenter } from '../src/infrastructure/jieba-segmenter';
import { loadDemoProducts } from '@shopsense/datasets';
import { toCatalogProduct } from '../src/application/catalog-sync';

let serial = 0;

/** A catalog product with sensible defaults; override what the test is about. */
export function aProduct(overrides: Partial<CatalogProduct> = {}): CatalogProduct {
  serial++;
  return { id: `p-${serial}`, title: `product ${serial}`, brand: '', categoryPath: [], attributes: {}, updatedAtMs: 0, ...overrides };
}

interface Line {
  brand: string;
  brandZh: string;
  path: string[];
  en: string;
  zh: string;
  attributes: Record<string, string>[];
}

const COLOR_ZH: Record<string, string> = { black: '黑色', white: '白色', red: '红色', blue: '蓝色', pink: '粉色' };


/**
 * A small bilingual catalog: each line of products gets English, Chinese and bilingual titles
 * (colour words included), like a cross-border shop. Deterministic, so tests can name what it
 * holds: Nike/耐克 and Adidas/阿迪达斯 shoes, Sony/索尼 headphones, Voltra mice (the only
 * "wireless" products), Apple earbuds next to apples the fruit, Greenhill Farm/青山农场 groceries.
 */
export function fixtureCatalog(): CatalogProduct[] {
  const lines: Line[] = [
    { brand: 'Nike', brandZh: '耐克', path: ['Shoes', 'Running Shoes'], en: 'Running Shoes', zh: '跑鞋', attributes: variants({ color: ['black', 'white', 'red'], size: ['40', '42', 'M'], gender: ['men', 'women'] }) },
    { brand: 'Adidas', brandZh: '阿迪达斯', path: ['Shoes', 'Sneakers'], en: 'Sneakers', zh: '板鞋', attributes: variants({ color: ['white', 'black'], size: ['41', '42'], gender: ['men', 'women'] }) },
    { brand: 'Adidas', brandZh: '阿迪达斯', path: ['Shoes', 'Running Shoes'], en: 'Running Shoes', zh: '跑鞋', attributes: variants({ color: ['blue'], size: ['42'], gender: ['men'] }) },
    { brand: 'Nike', brandZh: '耐克', path: ['Shoes', 'Sneakers'], en: 'Sneakers', zh: '板鞋', attributes: variants({ color: ['white'], size: ['43'], gender: ['women'] }) },
    { brand: 'Sony', brandZh: '索尼', path: ['Electronics', 'Audio', 'Headphones'], en: 'Bluetooth Headphones', zh: '蓝牙耳机', attributes: variants({ color: ['black', 'white'], connectivity: ['bluetooth'] }) },
    { brand: 'Voltra', brandZh: '沃创', path: ['Electronics', 'Computers', 'Mice'], en: 'Wireless Mouse', zh: '无线鼠标', attributes: variants({ color: ['black', 'pink'], connectivity: ['wireless'] }) },
    { brand: 'Apple', brandZh: '苹果', path: ['Electronics', 'Audio', 'Headphones'], en: 'Earbuds', zh: '耳机', attributes: variants({ color: ['white'] }) },
    { brand: 'Greenhill Farm', brandZh: '青山农场', path: ['Groceries', 'Fresh Fruit', 'Apples'], en: 'Fresh Apples', zh: '新鲜苹果', attributes: [{}] },
    { brand: 'Greenhill Farm', brandZh: '青山农场', path: ['Groceries', 'Fresh Fruit', 'Apples'], en: 'Crisp Apples', zh: '脆甜苹果', attributes: [{}] },
    { brand: 'Greenhill Farm', brandZh: '青山农场', path: ['Groceries', 'Dairy', 'Milk'], en: 'Whole Milk', zh: '全脂牛奶', attributes: [{}] },
  ];
  const products: CatalogProduct[] = [];
  let n = 0;
  for (const line of lines) {
    for (let i = 0; i < 6; i++) {
      const attributes = line.attributes[i % line.attributes.length];
      const color = attributes['color'];
      const colorZh = color ? COLOR_ZH[color] : undefined;
      const titles = [
        [line.brand, line.en, color].filter(Boolean).join(' '),
        [line.brandZh, line.zh, colorZh].filter(Boolean).join(' '),
        [line.brand, line.brandZh, line.en, line.zh, colorZh].filter(Boolean).join(' '),
      ];
      products.push({ id: `fx-${++n}`, title: titles[i % 3], brand: line.brand, categoryPath: line.path, attributes, updatedAtMs: 0 });
    }
  }
  return products;
}

function variants(values: Record<string, string[]>): Record<string, string>[] {
  return Array.from({ length: 6 }, (_, i) => Object.fromEntries(Object.entries(values).map(([k, vs]) => [k, vs[i % vs.length]])));
}

/** The demo catalog shipped in data/demo-catalog, as catalog products. */
export function demoCatalog(): CatalogProduct[] {
  return loadDemoProducts().flatMap((product) => {
    const row = toCatalogProduct(product);
    return typeof row === 'string' ? [] : [row];
  });
}

/** One analyzer (jieba loads its dictionary once per test file). */
let sharedAnalyzer: TextAnalyzer | undefined;
export function analyzer(): TextAnalyzer {
  return (sharedAnalyzer ??= new TextAnalyzer(new JiebaSegmenter()));
}

export function dictionariesFor(products: readonly CatalogProduct[], synonymRules: readonly SynonymRule[] = parseSynonyms(DEFAULT_SYNONYMS).rules): QueryDictionaries {
  return new DictionaryBuilder(analyzer()).build({ products, synonymRules, version: 1 });
}

export function parserFor(products: readonly CatalogProduct[], synonymRules?: readonly SynonymRule[]): QueryParser {
  return new QueryParser(analyzer(), dictionariesFor(products, synonymRules));
}
