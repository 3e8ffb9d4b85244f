import { clone, create } from '@bufbuild/protobuf';
import { FiltersSchema, ProductSchema, type Filters, type Product } from '@shopsense/contracts';
import { loadAmazonProducts, loadDemoProducts, sharedDatasetAvailable } from '@shopsense/datasets';
import { seededRandom, type Random } from '@shopsense/random';
import type { FacetSpec } from '../domain/facets';
import { normalizeFilters } from '../domain/filters';
import { analyze } from '../domain/text-analysis';
import { lexicalRetrievalOver } from '../testing/lexical-retrieval';
import { lexicalDocument } from './catalog-indexer';
import type { RetrieveQuery } from './retrieval.service';

const serviceOver = lexicalRetrievalOver;

const query = (queryText: string, filters: Filters | undefined, facets: FacetSpec[]): RetrieveQuery => ({
  queryText,
  seedItemIds: [],
  excludeItemIds: [],
  filters: normalizeFilters(filters),
  limits: { dense: 0, lexical: 20, userInterest: 0, similar: 0, inType: 0 },
  weights: { dense: 1, lexical: 1, userInterest: 1, similar: 1, inType: 1 },
  fusion: 'rrf',
  rrfK: 60,
  limit: 20,
  facets,
});
const facet = (field: string, maxValues = 100, priceRanges: FacetSpec['priceRanges'] = []): FacetSpec => ({ field, maxValues, priceRanges });

const product = (id: string, title: string, brand: string, categoryPath: string[], price: number, attributes: Record<string, string> = {}, inStock = true) =>
  create(ProductSchema, { id, title, brand, categoryPath, price, attributes, inStock });

describe('Retrieve with facets: disjunctive counts on hand-made cases', () => {
  const catalog = [
    product('n1', 'Nike running shoes', 'Nike', ['Shoes', 'Running Shoes'], 80, { color: 'Black' }),
    product('n2', 'Nike running shoes', 'Nike', ['Shoes', 'Running Shoes'], 120, { color: 'Red' }),
    product('a1', 'Adidas running shoes', 'Adidas', ['Shoes', 'Running Shoes'], 60, { color: 'Black' }),
    product('a2', 'Adidas trail running shoes', 'Adidas', ['Shoes', 'Trail Shoes'], 150, { color: 'Black' }, false),
    product('h1', 'Running hoodie', 'Nike', ['Clothing', 'Hoodies'], 45, { color: 'Red' }),
    product('x1', 'Leather boots', 'Nike', ['Shoes', 'Boots'], 200, { color: 'Black' }),
  ];
  const service = serviceOver(catalog);
  const counts = async (text: string, filters: Filters | undefined, ...specs: FacetSpec[]) => {
    const result = await service.retrieve(query(text, filters, specs));
    return { total: result.totalHits, facets: Object.fromEntries(result.facets!.map((f) => [f.field, Object.fromEntries(f.values.map((v) => [v.value, v.count]))])) };
  };

  it('counts every product holding every word, not only the page', async () => {
    const { total, facets } = await counts('running shoes', undefined, facet('brand'), facet('attributes.color'), facet('in_stock'));
    expect(total).toEqual({ value: 4, lexical: true });
    expect(facets['brand']).toEqual({ nike: 2, adidas: 2 });
    expect(facets['attributes.color']).toEqual({ black: 3, red: 1 });
    expect(facets['in_stock']).toEqual({ true: 3, false: 1 });
  });

  it('counts a facet without its own filter and with every other one', async () => {
    const filters = create(FiltersSchema, { brands: ['Nike'], attributes: { color: 'black' } });
    const { total, facets } = await counts('running shoes', filters, facet('brand'), facet('attributes.color'));
    expect(total!.value).toBe(1); // n1
    // Brands among the black running shoes: choosing Nike does not hide Adidas.
    expect(facets['brand']).toEqual({ nike: 1, adidas: 2 });
    // Colours among Nike running shoes.
    expect(facets['attributes.color']).toEqual({ black: 1, red: 1 });
  });

  it('gives the category tree, parents before children, with depths, and price ranges given or chosen', async () => {
    const result = await service.retrieve(query('nike', undefined, [facet('category_path'), facet('price', 10, [{ max: 100 }, { min: 100, max: 150 }, { min: 150 }]), facet('price')]));
    expect(result.facets![0]!.values.map((v) => [v.value, v.count, v.depth])).toEqual([
      ['Shoes', 3, 1],
      ['Shoes/Running Shoes', 2, 2],
      ['Shoes/Boots', 1, 2],
      ['Clothing', 1, 1],
      ['Clothing/Hoodies', 1, 2],
    ]);
    expect(result.facets![1]!.values.map((v) => [v.value, v.count])).toEqual([
      ['-100', 2],
      ['100-150', 1],
      ['150-', 1],
    ]);
    const auto = result.facets![2]!.values;
    expect(auto.reduce((sum, v) => sum + v.count, 0)).toBe(4); // every price in exactly one range
    expect(auto[0]!.range!.min).toBeUndefined();
    expect(auto.at(-1)!.range!.max).toBeUndefined();
  });

  it('chooses no more price ranges than max_values, and one open range when the prices give no bound', async () => {
    const two = await service.retrieve(query('shoes', undefined, [facet('price', 2)]));
    expect(two.facets![0]!.values.length).toBeGreaterThan(0);
    expect(two.facets![0]!.values.length).toBeLessThanOrEqual(2);
    const one = await service.retrieve(query('hoodie', undefined, [facet('price')]));
    expect(one.facets![0]!.values).toEqual([{ value: '-', displayName: 'any price', count: 1, range: {} }]);
  });

  it('cuts to max_values, most frequent first, and says how many there were', async () => {
    const result = await service.retrieve(query('shoes', undefined, [facet('attributes.color', 1)]));
    expect(result.facets![0]).toMatchObject({ values: [{ value: 'black', displayName: 'Black', count: 4 }], distinctValues: 2 });
  });

  it('falls back to the candidates returned when no product holds every word, and says so', async () => {
    const result = await service.retrieve(query('running unicorn', undefined, [facet('brand')]));
    expect(result.candidates.length).toBeGreaterThan(0);
    expect(result.totalHits).toEqual({ value: result.candidates.length, lexical: false });
  });

  it('sorts every matching product by price, not only the best by relevance, under the filters', async () => {
    // One lexical candidate only: relevance alone would never reach the cheapest shoe.
    const result = await service.retrieve({ ...query('shoes', create(FiltersSchema, { inStock: true }), []), limits: { dense: 0, lexical: 1, userInterest: 0, similar: 0, inType: 0 }, sort: 'price_ascending' });
    expect(result.candidates.map((c) => c.id)).toEqual(['a1', 'n1', 'n2', 'x1']);
    expect(result.candidates[0]!.sources).toEqual([{ source: 'sorted', score: 1, rank: 1 }]);
  });

  it('refuses a facet it cannot count, naming it', async () => {
    await expect(service.retrieve(query('shoes', undefined, [facet('colour')]))).rejects.toThrow(/facets\[0\]\.field/);
    await expect(service.retrieve(query('shoes', undefined, [facet('price', 10, [{ min: 50, max: 10 }])]))).rejects.toThrow(/facets\[0\]\.price_ranges\[0\]/);
    await expect(service.retrieve(query('shoes', undefined, [facet('price', 10, [{}])]))).rejects.toThrow(/facets\[0\]\.price_ranges\[0\]/);
  });
});

/** Each product's search tokens, in all its lexical fields, computed once per catalog. */
const tokensOf = new WeakMap<Product, Set<string>>();
function productTokens(p: Product): Set<string> {
  let tokens = tokensOf.get(p);
  if (!tokens) {
    const doc = lexicalDocument(p);
    tokensOf.set(p, (tokens = new Set([doc.title, doc.brand, doc.category, doc.description].flatMap(analyze))));
  }
  return tokens;
}

/** Counts by brute force: every product, every word of the text in its lexical fields, every filter but the facet's own. */
function bruteForce(products: readonly Product[], text: string, filters: Filters, field: string): Map<string, number> {
  const words = [...new Set(analyze(text))];
  const counts = new Map<string, number>();
  const own = clone(FiltersSchema, filters);
  if (field === 'brand') own.brands = [];
  else if (field === 'category_path') own.categoryPath = '';
  else if (field.startsWith('attributes.')) delete own.attributes[field.slice('attributes.'.length)];
  const normalized = normalizeFilters(own);
  for (const p of products) {
    const tokens = productTokens(p);
    if (!words.every((w) => tokens.has(w))) continue;
    const path = p.categoryPath.map((s) => s.normalize('NFKC').trim().toLowerCase());
    if (normalized.categoryPrefix.length > 0 && !normalized.categoryPrefix.every((s, i) => path[i] === s)) continue;
    if (normalized.brands.length > 0 && !normalized.brands.includes(p.brand.normalize('NFKC').trim().toLowerCase())) continue;
    if (normalized.minPrice !== undefined && p.price < normalized.minPrice) continue;
    if (normalized.maxPrice !== undefined && p.price > normalized.maxPrice) continue;
    const attributes = Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [k.toLowerCase(), v.normalize('NFKC').trim().toLowerCase()]));
    if (normalized.attributes.some(([k, v]) => attributes[k] !== v)) continue;
    const values = field === 'brand' ? [p.brand.normalize('NFKC').trim().toLowerCase()].filter(Boolean) : field === 'category_path' ? path.map((_, i) => path.slice(0, i + 1).join('/')) : [attributes[field.slice('attributes.'.length)]].filter((v): v is string => !!v);
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** A query of one or two words from a random product's title, with filters drawn from other products. */
function randomCase(products: readonly Product[], random: Random): { text: string; filters: Filters } {
  const pick = () => products[random.int(products.length)]!;
  const words = pick().title.split(/\s+/).filter((w) => /^[\p{L}]{3,}$/u.test(w));
  const text = words.length === 0 ? 'shoes' : words.slice(0, 1 + random.int(Math.min(2, words.length))).join(' ');
  const other = pick();
  const color = Object.keys(other.attributes).find((k) => k.toLowerCase() === 'color');
  return {
    text,
    filters: create(FiltersSchema, {
      ...(random.bernoulli(0.4) && other.brand ? { brands: [other.brand] } : {}),
      ...(random.bernoulli(0.3) && other.categoryPath.length ? { categoryPath: other.categoryPath.slice(0, 1 + random.int(other.categoryPath.length)).join('/') } : {}),
      ...(random.bernoulli(0.3) && color ? { attributes: { color: other.attributes[color]! } } : {}),
      ...(random.bernoulli(0.3) ? { price: { max: other.price + 1 } } : {}),
    }),
  };
}

describe('Retrieve with facets: equal to a brute-force count over the catalog', () => {
  const catalogs: [string, () => Product[]][] = [['demo', loadDemoProducts]];
  // The first 600 products: indexing the long descriptions of all 4,344 takes most of a minute here.
  if (sharedDatasetAvailable('amazon-scientific')) catalogs.push(['amazon-scientific (first 600)', () => loadAmazonProducts().slice(0, 600)]);
  it.each(catalogs)('%s: 200 generated queries with random filters', async (_name, load) => {
    const products = load();
    const service = serviceOver(products);
    const random = seededRandom(21);
    const fields = ['brand', 'category_path', 'attributes.color'];
    let nonEmpty = 0;
    for (let i = 0; i < 200; i++) {
      const { text, filters } = randomCase(products, random);
      const result = await service.retrieve(query(text, filters, fields.map((f) => facet(f, 100))));
      if (!result.totalHits!.lexical) continue;
      const key = (value: string) => value.split('/').map((s) => s.normalize('NFKC').trim().toLowerCase()).join('/');
      fields.forEach((field, f) => {
        const counted = result.facets![f]!;
        const expected = bruteForce(products, text, filters, field);
        // Every value returned has its brute-force count, none is missing but those the cut left out.
        expect([text, field, counted.values.map((v) => [key(v.value), v.count])]).toEqual([text, field, counted.values.map((v) => [key(v.value), expected.get(key(v.value))])]);
        expect([text, field, counted.distinctValues]).toEqual([text, field, expected.size]);
        if (field !== 'category_path' && counted.values.length < expected.size) {
          const returned = new Set(counted.values.map((v) => key(v.value)));
          const weakest = Math.min(...counted.values.map((v) => v.count));
          expect([...expected].filter(([value, count]) => !returned.has(value) && count > weakest)).toEqual([]);
        }
      });
      if (result.totalHits!.value > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(50);
    // Its pace is the machine's (seconds here): the verdict must not depend on it.
  }, 600_000);
});

describe('Retrieve with lexical expansions (synonyms and translations of the query\'s terms)', () => {
  const catalog = [
    product('b1', 'Borosilicate glass beaker 250ml', 'Lab', ['Lab', 'Beakers'], 12),
    product('b2', 'Plastic beaker set', 'Lab', ['Lab', 'Beakers'], 8),
    product('c1', 'Souffle cups', 'Cater', ['Food Service'], 5),
  ];
  const service = serviceOver(catalog);

  it('finds English titles for a Chinese query through its translation, while facets count what holds query_text', async () => {
    const plain = await service.retrieve(query('烧杯', undefined, []));
    expect(plain.candidates).toEqual([]);
    const expanded = await service.retrieve({ ...query('烧杯', undefined, [facet('brand')]), lexicalExpansions: ['beaker'] });
    expect(expanded.candidates.map((c) => c.id).sort()).toEqual(['b1', 'b2']);
    // No product holds "烧杯" itself: the counts fall back to the candidates by meaning (lexical false).
    expect(expanded.totalHits).toEqual({ value: 2, lexical: false });
  });

  it('refuses more than 32 expansions, or one over 256 characters', async () => {
    await expect(service.retrieve({ ...query('烧杯', undefined, []), lexicalExpansions: Array.from({ length: 33 }, (_, i) => `w${i}`) })).rejects.toThrow(/lexical_expansions: at most 32/);
    await expect(service.retrieve({ ...query('烧杯', undefined, []), lexicalExpansions: ['x'.repeat(257)] })).rejects.toThrow(/lexical_expansions: each at most 256 characters/);
  });
});
